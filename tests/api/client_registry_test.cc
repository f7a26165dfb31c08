// Client credentials of service principals (src/api/client_registry.h): secrets kept only as salted hashes, keys for
// client assertions, and what each refuses. In process, over a temporary SQLite store.
#include "api/client_registry.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store.h"

namespace openpal::api {
namespace {

const std::string kTenant = "10000000-0000-4000-8000-000000000001";
const std::string kSp = "40000000-0000-4000-8000-010000000001";
const std::string kAppId = "a0000000-0000-4000-8000-010000000001";
const std::string kSp2 = "40000000-0000-4000-8000-010000000002";  // no appId: its client ID is its object ID
const std::string kUser = "30000000-0000-4000-8000-010000000001";
const std::string kDisabledSp = "40000000-0000-4000-8000-0100000000dd";

class ClientRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "pal-clients-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = OpenSqliteStore(dir_ + "/c.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto tx = store_->BeginImport();
    ASSERT_TRUE(tx.ok());
    Interval always{Timestamp::FromSeconds(946684800), Timestamp::Max()};
    auto sp = [&](const std::string& oid, const std::string& app, bool enabled) {
      ASSERT_TRUE((*tx)->Insert(Principal{kTenant, oid, PrincipalKind::kServicePrincipal, UserType::kUnknown,
                                          ServicePrincipalType::kApplication, "automation", app, enabled},
                                always).ok());
    };
    sp(kSp, kAppId, true);
    sp(kSp2, "", true);
    sp(kDisabledSp, "a0000000-0000-4000-8000-0100000000dd", false);
    ASSERT_TRUE((*tx)->Insert(Principal{kTenant, kUser, PrincipalKind::kUser, UserType::kMember,
                                        ServicePrincipalType::kOther, "Alice", "alice@a.example", true},
                              always).ok());
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A client assertion signed by `key` with these claims.
  static std::string Assertion(const KeyPtr& key, nlohmann::json claims) {
    nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", *JwkThumbprint(key)}};
    return *SignRs256(header.dump(), claims.dump(), key);
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  Timestamp now_ = Timestamp::Now();
};

TEST_F(ClientRegistry, SecretIsShownOnceAndStoredOnlyAsASaltedHash) {
  auto created = AddClientSecret(*store_, kTenant, kSp, now_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->principal.client_id, kAppId);  // clients name the principal by its appId
  EXPECT_EQ(created->secret.substr(0, 4), "pal_");  // never starts with '-' (az -p would read an option)
  EXPECT_GE(created->secret.size(), 4u + 43u);      // 256 random bits

  auto record = store_->GetSetting("client-credential/" + kAppId + "/1");
  ASSERT_TRUE(record.ok() && *record);
  EXPECT_EQ((*record)->find(created->secret.substr(4)), std::string::npos) << "the secret itself is stored";
  auto json = nlohmann::json::parse(**record);
  EXPECT_EQ(json["kdf"], "pbkdf2-hmac-sha256");
  EXPECT_EQ(json["iterations"], kSecretIterations);
  EXPECT_EQ(json["objectId"], kSp);

  // A second secret: another slot, another salt; both work.
  auto second = AddClientSecret(*store_, kTenant, kSp, now_);
  ASSERT_TRUE(second.ok());
  auto record2 = store_->GetSetting("client-credential/" + kAppId + "/2");
  ASSERT_TRUE(record2.ok() && *record2);
  EXPECT_NE(nlohmann::json::parse(**record2)["salt"], json["salt"]);

  for (const auto& secret : {created->secret, second->secret}) {
    auto who = AuthenticateClientSecret(*store_, kAppId, secret);
    ASSERT_TRUE(who.ok()) << who.status().ToString();
    EXPECT_EQ(who->tenant_id, kTenant);
    EXPECT_EQ(who->object_id, kSp);
  }
  // The client ID compares case-insensitively (a GUID); the secret exactly.
  EXPECT_TRUE(AuthenticateClientSecret(*store_, "A0000000-0000-4000-8000-010000000001", created->secret).ok());
  std::string wrong = created->secret;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  for (const auto& [client, secret] : std::vector<std::pair<std::string, std::string>>{
           {kAppId, wrong}, {kAppId, ""}, {kAppId, created->secret + "x"}, {kSp2, created->secret}, {"", created->secret}}) {
    auto refused = AuthenticateClientSecret(*store_, client, secret);
    ASSERT_FALSE(refused.ok()) << client << " " << secret;
    EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(refused.status().message(), "The client ID or the client secret is wrong.");  // one answer for all
  }
}

TEST_F(ClientRegistry, OnlyEnabledServicePrincipalsOfTheDirectory) {
  auto no_app = AddClientSecret(*store_, kTenant, kSp2, now_);
  ASSERT_TRUE(no_app.ok());
  EXPECT_EQ(no_app->principal.client_id, kSp2);

  auto user = AddClientSecret(*store_, kTenant, kUser, now_);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(user.status().message().find("only service principals"), std::string::npos);
  EXPECT_EQ(AddClientSecret(*store_, kTenant, kDisabledSp, now_).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(AddClientSecret(*store_, kTenant, "40000000-0000-4000-8000-999999999999", now_).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(AddClientSecret(*store_, "not-a-guid", kSp, now_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ClientRegistry, AssertionSignedByTheRegisteredKey) {
  KeyPtr key = *GenerateRsaKey(2048);
  // A private key PEM is accepted; only its public half is kept.
  auto created = AddClientKey(*store_, kTenant, kSp, *PrivateKeyToPem(key), now_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->key_id, *JwkThumbprint(key));
  auto record = store_->GetSetting("client-credential/" + kAppId + "/1");
  ASSERT_TRUE(record.ok() && *record);
  EXPECT_EQ(nlohmann::json::parse(**record).count("d"), 0u);  // no private exponent

  const int64_t t = now_.micros / 1000000;
  const std::vector<std::string> audiences = {"https://localhost:1/adfs/oauth2/token", kTokenExchangeAudience};
  // RFC 7523: sub = client ID.
  auto by_sub = AuthenticateClientAssertion(
      *store_, kAppId, Assertion(key, {{"sub", kAppId}, {"iss", kAppId}, {"aud", "https://localhost:1/adfs/oauth2/token"}, {"exp", t + 60}}),
      audiences, now_);
  ASSERT_TRUE(by_sub.ok()) << by_sub.status().ToString();
  EXPECT_EQ(by_sub->object_id, kSp);
  // A `pal token --key` token: tid/oid of the principal, aud api://AzureADTokenExchange (aud may be a list).
  auto by_ids = AuthenticateClientAssertion(
      *store_, kAppId,
      Assertion(key, {{"tid", kTenant}, {"oid", kSp}, {"aud", {"x", kTokenExchangeAudience}}, {"exp", t + 60}, {"nbf", t}}),
      audiences, now_);
  ASSERT_TRUE(by_ids.ok()) << by_ids.status().ToString();

  KeyPtr other = *GenerateRsaKey(2048);
  struct Case {
    const char* what;
    std::string assertion;
    std::string client;
    const char* says;
  };
  std::vector<Case> cases = {
      {"another key", Assertion(other, {{"sub", kAppId}, {"aud", kTokenExchangeAudience}, {"exp", t + 60}}), kAppId,
       "signing key is not trusted"},
      {"expired", Assertion(key, {{"sub", kAppId}, {"aud", kTokenExchangeAudience}, {"exp", t - 400}}), kAppId, "expired"},
      {"no exp", Assertion(key, {{"sub", kAppId}, {"aud", kTokenExchangeAudience}}), kAppId, "no valid expiry"},
      {"not yet", Assertion(key, {{"sub", kAppId}, {"aud", kTokenExchangeAudience}, {"exp", t + 900}, {"nbf", t + 600}}),
       kAppId, "not valid yet"},
      {"ARM audience (a token for the API replayed as a credential)",
       Assertion(key, {{"sub", kAppId}, {"aud", "https://management.azure.com/"}, {"exp", t + 60}}), kAppId, "audience"},
      {"another subject", Assertion(key, {{"sub", kSp2}, {"aud", kTokenExchangeAudience}, {"exp", t + 60}}), kAppId,
       "subject"},
      {"another principal's ids",
       Assertion(key, {{"tid", kTenant}, {"oid", kSp2}, {"aud", kTokenExchangeAudience}, {"exp", t + 60}}), kAppId,
       "subject"},
      {"the key of another client", Assertion(key, {{"sub", kSp2}, {"aud", kTokenExchangeAudience}, {"exp", t + 60}}),
       kSp2, "signing key is not trusted"},
      {"alg none", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", kAppId, "algorithm"},
  };
  for (const auto& c : cases) {
    auto refused = AuthenticateClientAssertion(*store_, c.client, c.assertion, audiences, now_);
    ASSERT_FALSE(refused.ok()) << c.what;
    EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated) << c.what;
    EXPECT_NE(refused.status().message().find(c.says), std::string::npos) << c.what << ": " << refused.status().message();
  }
  // A secret does not authenticate through the key's record, nor a key through a secret check.
  EXPECT_FALSE(AuthenticateClientSecret(*store_, kAppId, created->key_id).ok());
}

TEST_F(ClientRegistry, KeysMustBeRsaOfAtLeast2048Bits) {
  KeyPtr small = *GenerateRsaKey(1024);
  auto refused = AddClientKey(*store_, kTenant, kSp, *PrivateKeyToPem(small), now_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("2048"), std::string::npos);
  EXPECT_EQ(AddClientKey(*store_, kTenant, kSp, "not a pem", now_).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace openpal::api
