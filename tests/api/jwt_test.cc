// JWT, JWKS and dev-issuer rules (link-api.md "Who is calling"): one test per rule, plus fuzzed garbage.
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "api/dev_issuer.h"
#include "api/jwt.h"
#include "api/arm_errors.h"

namespace openpal::api {
namespace {

constexpr const char* kTid = "1b1121dd-6900-412a-af73-e8d44f81e1c1";
constexpr const char* kOid = "aa67f786-0552-423e-8849-244ed12bf581";
const Timestamp kNow = Timestamp::FromSeconds(1767225600);  // 2026-01-01T00:00:00Z

const KeyPtr& TestKey() {
  static KeyPtr key = *GenerateRsaKey(2048);
  return key;
}

nlohmann::json GoodClaims() {
  return {{"aud", "https://management.azure.com/"}, {"iss", std::string("https://sts.windows.net/") + kTid + "/"},
          {"tid", kTid}, {"oid", kOid}, {"nbf", 1767225600 - 60}, {"exp", 1767225600 + 3600}};
}

std::string Sign(const nlohmann::json& header, const nlohmann::json& claims) {
  return *SignRs256(header.dump(), claims.dump(), TestKey());
}
std::string Sign(const nlohmann::json& claims) { return Sign({{"alg", "RS256"}, {"kid", "k1"}, {"typ", "JWT"}}, claims); }

void Trust(TokenVerifier& v) {
  auto jwk = *PublicJwk(TestKey(), "k1");
  EXPECT_TRUE(v.AddJwks("{\"keys\":[" + jwk + "]}", "test.jwks").ok());
}

TEST(Base64Url, RoundTripsEveryLengthAndRefusesOtherAlphabets) {
  std::mt19937 rng(7);
  for (size_t len = 0; len < 70; ++len) {
    std::string bytes(len, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    auto decoded = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, bytes);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("ab+/"));   // standard base64, not url
  EXPECT_FALSE(Base64UrlDecode("abcde"));  // impossible length
  EXPECT_FALSE(Base64UrlDecode("ab c"));
}

TEST(TokenVerifier, AcceptsAGoodTokenAndTakesTidAndOidFromIt) {
  TokenVerifier v;
  Trust(v);
  auto t = v.Verify(Sign(GoodClaims()), kNow);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->tenant_id, kTid);
  EXPECT_EQ(t->object_id, kOid);
}

TEST(TokenVerifier, AcceptsEveryDefaultAudienceAndBothEntraIssuers) {
  TokenVerifier v;
  Trust(v);
  for (const auto& aud : DefaultAudiences()) {
    auto c = GoodClaims();
    c["aud"] = aud;
    EXPECT_TRUE(v.Verify(Sign(c), kNow).ok()) << aud;
  }
  auto c = GoodClaims();
  c["iss"] = std::string("https://login.microsoftonline.com/") + kTid + "/v2.0";
  c["aud"] = nlohmann::json::array({"other", "https://management.azure.com"});
  EXPECT_TRUE(v.Verify(Sign(c), kNow).ok());
}

// The table of bad tokens: each one is refused with the spec's code.
TEST(TokenVerifier, RefusesEveryBadTokenWithTheSpecCode) {
  TokenVerifier v;
  Trust(v);
  auto with = [](const char* k, nlohmann::json val) {
    auto c = GoodClaims();
    c[k] = std::move(val);
    return c;
  };
  auto without = [](const char* k) {
    auto c = GoodClaims();
    c.erase(k);
    return c;
  };
  std::string good = Sign(GoodClaims());
  std::string tampered = good;
  {
    auto c = GoodClaims();
    c["oid"] = "00000000-0000-0000-0000-000000000001";
    size_t d1 = good.find('.'), d2 = good.rfind('.');
    tampered = good.substr(0, d1 + 1) + Base64UrlEncode(c.dump()) + good.substr(d2);
  }
  std::string alg_none = Base64UrlEncode(R"({"alg":"none","kid":"k1"})") + "." + Base64UrlEncode(GoodClaims().dump()) + ".";
  // HS256 "signed" with the RSA public key as the HMAC secret: the classic key-confusion attack.
  std::string hs256;
  {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, TestKey().get());
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string pub(data, static_cast<size_t>(len));
    BIO_free(bio);
    std::string input = Base64UrlEncode(R"({"alg":"HS256","kid":"k1"})") + "." + Base64UrlEncode(GoodClaims().dump());
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), pub.data(), static_cast<int>(pub.size()), reinterpret_cast<const unsigned char*>(input.data()),
         input.size(), mac, &mac_len);
    hs256 = input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), mac_len));
  }
  struct Case {
    const char* name;
    std::string token;
    const char* code;
  };
  std::vector<Case> cases = {
      {"garbage", "garbage", "InvalidAuthenticationToken"},
      {"two segments", "abc.def", "InvalidAuthenticationToken"},
      {"alg none", alg_none, "InvalidAuthenticationToken"},
      {"HS256 with the public key", hs256, "InvalidAuthenticationToken"},
      {"expired", Sign(with("exp", 1767225600 - 301)), "ExpiredAuthenticationToken"},
      {"not yet valid", Sign(with("nbf", 1767225600 + 301)), "InvalidAuthenticationToken"},
      {"wrong audience", Sign(with("aud", "https://graph.microsoft.com")), "InvalidAuthenticationToken"},
      {"wrong issuer", Sign(with("iss", "https://sts.windows.net/00000000-0000-0000-0000-000000000000/")), "InvalidAuthenticationToken"},
      {"unknown kid", Sign({{"alg", "RS256"}, {"kid", "nope"}}, GoodClaims()), "InvalidAuthenticationToken"},
      {"no kid", Sign({{"alg", "RS256"}}, GoodClaims()), "InvalidAuthenticationToken"},
      {"tampered payload", tampered, "InvalidAuthenticationToken"},
      {"missing oid", Sign(without("oid")), "InvalidAuthenticationToken"},
      {"missing tid", Sign(without("tid")), "InvalidAuthenticationToken"},
      {"missing exp", Sign(without("exp")), "InvalidAuthenticationToken"},
      {"oid not a GUID", Sign(with("oid", "x")), "InvalidAuthenticationToken"},
      {"exp a string", Sign(with("exp", "9999999999")), "InvalidAuthenticationToken"},
  };
  for (const auto& c : cases) {
    auto r = v.Verify(c.token, kNow);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(ToArmError(r.status()).code, c.code) << c.name << ": " << r.status().message();
  }
}

TEST(TokenVerifier, AllowsFiveMinutesOfSkewEachWay) {
  TokenVerifier v;
  Trust(v);
  auto c = GoodClaims();
  c["exp"] = 1767225600 - 299;
  c["nbf"] = 1767225600 + 299;
  EXPECT_TRUE(v.Verify(Sign(c), kNow).ok());
}

TEST(TokenVerifier, CachedTokenStillExpires) {
  TokenVerifier v;
  Trust(v);
  std::string t = Sign(GoodClaims());
  ASSERT_TRUE(v.Verify(t, kNow).ok());
  ASSERT_TRUE(v.Verify(t, kNow).ok());  // from the cache
  auto later = v.Verify(t, Timestamp::FromSeconds(1767225600 + 3600 + 301));
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(ToArmError(later.status()).code, "ExpiredAuthenticationToken");
}

TEST(TokenVerifier, SurvivesRandomGarbageTokens) {
  TokenVerifier v;
  Trust(v);
  std::mt19937 rng(42);
  std::string good = Sign(GoodClaims());
  const std::string alphabet = "ABCxyz019-_.=+/ {}\"\x01\xff";
  for (int i = 0; i < 3000; ++i) {
    std::string t;
    if (i % 3 == 0) {  // mutate a good token
      t = good;
      for (int k = 0; k < 1 + int(rng() % 4); ++k) t[rng() % t.size()] = alphabet[rng() % alphabet.size()];
      if (t == good) continue;
    } else if (i % 3 == 1) {  // random dotted segments of random base64url JSON-ish text
      std::string junk(rng() % 200, ' ');
      for (auto& ch : junk) ch = "{}[]\":,0123abc"[rng() % 14];
      t = Base64UrlEncode(junk) + "." + Base64UrlEncode(junk) + "." + Base64UrlEncode(junk);
    } else {
      t.resize(rng() % 300);
      for (auto& ch : t) ch = static_cast<char>(rng());
    }
    auto r = v.Verify(t, kNow);
    EXPECT_FALSE(r.ok());
  }
  EXPECT_FALSE(v.Verify(std::string(kMaxTokenLength + 1, 'a'), kNow).ok());
}

TEST(Jwks, RefusesMalformedDocumentsWithTheirLocation) {
  TokenVerifier v;
  EXPECT_FALSE(v.AddJwks("", "a.json").ok());
  EXPECT_FALSE(v.AddJwks("[]", "a.json").ok());
  EXPECT_FALSE(v.AddJwks(R"({"keys":[]})", "a.json").ok());
  auto s = v.AddJwks(R"({"keys":[{"kty":"RSA","kid":"x","n":"AQAB","e":"AQAB"}]})", "a.json");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.where().find("$.keys[0]"), std::string::npos) << s.ToString();
  EXPECT_FALSE(v.AddJwks(R"({"keys":[{"kty":"RSA","kid":"x","n":"!!","e":"AQAB"}]})", "a.json").ok());
  // Non-RSA and encryption keys are skipped, not trusted.
  EXPECT_FALSE(v.AddJwks(R"({"keys":[{"kty":"EC","kid":"e"},{"kty":"RSA","use":"enc","kid":"r"}]})", "a.json").ok());
  std::mt19937 rng(3);
  for (int i = 0; i < 500; ++i) {
    std::string doc = R"({"keys":[{"kty":"RSA","kid":"k","n":")";
    for (int k = 0; k < int(rng() % 400); ++k) doc += "Aa0-_\"}]{"[rng() % 9];
    (void)v.AddJwks(doc, "fuzz.json");  // must not crash
  }
  EXPECT_EQ(v.key_count(), 0u);
}

TEST(DevIssuer, CreatesTheKeyOnceWithMode0600AndMintsVerifiableTokens) {
  char dir_template[] = "/tmp/openpal-devissuer-XXXXXX";
  std::string dir = ::mkdtemp(dir_template);
  std::string path = DevIssuer::KeyPathFor(dir + "/openpal.db");
  auto first = DevIssuer::LoadOrCreate(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = DevIssuer::LoadOrCreate(path);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->kid(), second->kid());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  TokenVerifier v;
  ASSERT_TRUE(second->TrustIn(v).ok());
  auto token = first->Mint(kTid, "AA67F786-0552-423E-8849-244ED12BF581", 600);
  ASSERT_TRUE(token.ok());
  auto verified = v.Verify(*token, Timestamp::Now());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->object_id, kOid);  // canonical lowercase
  EXPECT_EQ(verified->issuer, kDevIssuer);
  EXPECT_FALSE(first->Mint("not-a-guid", kOid, 600).ok());
  // A dev key never vouches for an Entra issuer.
  nlohmann::json claims = GoodClaims();
  claims["exp"] = Timestamp::Now().micros / 1000000 + 600;
  claims["nbf"] = Timestamp::Now().micros / 1000000;
  auto forged = SignRs256(nlohmann::json{{"alg", "RS256"}, {"kid", first->kid()}}.dump(), claims.dump(), first->key());
  EXPECT_FALSE(v.Verify(*forged, Timestamp::Now()).ok());
  std::remove(path.c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
}  // namespace openpal::api
