// The development token service (/adfs, src/api/token_service.cc) on a real `pal serve --dev-issuer` over TLS and the
// demo world: discovery and JWKS, client_credentials with a secret (post and Basic) and with a client assertion, the
// OAuth 2.0 errors, the authorization-code flow with PKCE, the ARM lists az login needs (/subscriptions, /tenants),
// and that the tokens it issues are what the link API accepts (aud, tid, oid, appid).
#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "api/jwt.h"
#include "api/tls.h"
#include "support/dev_world.h"

namespace openpal::testing {
namespace {

using nlohmann::json;

const std::string kT01 = "10000000-0000-4000-8000-000000000001";
const std::string kContosoSp = "40000000-0000-4000-8000-010000000001";  // contoso-automation
const std::string kContosoApp = "a0000000-0000-4000-8000-010000000001";
const std::string kT02 = "10000000-0000-4000-8000-000000000002";
const std::string kFabrikamSp = "40000000-0000-4000-8000-020000000001";  // fabrikam-ops
const std::string kFabrikamApp = "a0000000-0000-4000-8000-020000000001";
const std::string kAlice = "30000000-0000-4000-8000-010000000001";     // a user of T01
const std::string kRedirect = "http://localhost:5173/callback";

std::string Field(const std::string& out, const std::string& name) {
  size_t at = out.find(name + ":");
  if (at == std::string::npos) return "";
  size_t start = out.find_first_not_of(' ', at + name.size() + 1);
  return out.substr(start, out.find('\n', start) - start);
}

json Claims(const std::string& jwt) {
  size_t a = jwt.find('.'), b = jwt.find('.', a + 1);
  auto payload = api::Base64UrlDecode(jwt.substr(a + 1, b - a - 1));
  return payload ? json::parse(*payload, nullptr, false) : json();
}

std::string S256(const std::string& verifier) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(verifier.data(), verifier.size(), d, &n, EVP_sha256(), nullptr);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(d), n));
}

class TokenService : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world_.Start("token-service", [] {
      ProcessResult added = RunPal({"credential", "add", "--db", world_.db, "--tenant", kT01, "--object", kContosoSp});
      if (added.exit_code != 0) return "pal credential add: " + added.err;
      contoso_secret_ = Field(added.out, "client_secret");
      ProcessResult fabrikam = RunPal({"credential", "add", "--db", world_.db, "--tenant", kT02, "--object", kFabrikamSp});
      fabrikam_secret_ = Field(fabrikam.out, "client_secret");
      return std::string();
    }, {"--dev-issuer-redirect-uri", kRedirect});  // a second redirect URI of the portal client (a dev server's)
  }
  static void TearDownTestSuite() { world_.Stop(); }
  void SetUp() override { ASSERT_EQ(world_.error, ""); }

  static std::unique_ptr<httplib::SSLClient> Client() {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", world_.server.port);
    client->set_ca_cert_path(world_.cert.c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(10, 0);
    client->set_read_timeout(20, 0);
    return client;
  }
  static httplib::Result PostForm(const std::string& path, const std::string& body, httplib::Headers headers = {},
                                  const char* type = "application/x-www-form-urlencoded") {
    return Client()->Post(path.c_str(), headers, body, type);
  }
  static httplib::Result Get(const std::string& path, const std::string& token = "", httplib::Headers headers = {}) {
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return Client()->Get(path.c_str(), headers);
  }
  static std::string Base() { return "https://127.0.0.1:" + std::to_string(world_.server.port) + "/adfs"; }
  static std::string Portal() { return "https://127.0.0.1:" + std::to_string(world_.server.port) + "/"; }

  // Signs `principal` (TENANT/OBJECT) in through the authorization endpoint with `query`; the code, or "".
  static std::string CodeFor(const std::string& query, const std::string& principal, const std::string& redirect) {
    auto chosen = PostForm("/adfs/oauth2/authorize", query + "&principal=" + PercentEncode(principal));
    EXPECT_TRUE(chosen);
    if (!chosen) return "";
    EXPECT_EQ(chosen->status, 303) << chosen->body;
    std::string location = chosen->get_header_value("Location");
    if (location.rfind(redirect + "?code=", 0) != 0) {
      ADD_FAILURE() << location;
      return "";
    }
    size_t start = redirect.size() + 6;
    return location.substr(start, location.find('&', start) - start);
  }
  static json Body(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }

  // A client_credentials token for the ARM resource, as az asks for it.
  static std::string SecretToken(const std::string& client_id, const std::string& secret) {
    auto r = PostForm("/adfs/oauth2/token",
                      "client_id=" + client_id + "&grant_type=client_credentials&client_info=1&client_secret=" +
                          PercentEncode(secret) + "&scope=" + PercentEncode("https://management.core.windows.net//.default"));
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 200) << r->body;
    return Body(r).value("access_token", "");
  }

  static inline std::string contoso_secret_, fabrikam_secret_;
  static inline DevWorld world_;
};

TEST_F(TokenService, DiscoveryNamesTheEndpointsUnderTheHostTheClientUsed) {
  auto r = Get("/adfs/.well-known/openid-configuration");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json d = Body(r);
  EXPECT_EQ(d["issuer"], Base());
  EXPECT_EQ(d["authorization_endpoint"], Base() + "/oauth2/authorize");  // MSAL requires both endpoints
  EXPECT_EQ(d["token_endpoint"], Base() + "/oauth2/token");
  EXPECT_EQ(d["jwks_uri"], Base() + "/discovery/keys");
  EXPECT_EQ(d["code_challenge_methods_supported"], json({"S256"}));
  // Another loopback name gives URLs under that name (az registers https://localhost:PORT).
  auto local = Get("/adfs/.well-known/openid-configuration", "", {{"Host", "localhost:" + std::to_string(world_.server.port)}});
  ASSERT_TRUE(local);
  EXPECT_EQ(Body(local)["issuer"], "https://localhost:" + std::to_string(world_.server.port) + "/adfs");

  auto keys = Get("/adfs/discovery/keys");
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->status, 200);
  json jwks = Body(keys);
  ASSERT_EQ(jwks["keys"].size(), 1u);
  EXPECT_EQ(jwks["keys"][0]["kty"], "RSA");
  EXPECT_EQ(jwks["keys"][0].count("d"), 0u);
}

// DNS rebinding: a foreign site's name resolving to 127.0.0.1 must not reach the sign-in or the token endpoint.
TEST_F(TokenService, ForeignHostNamesAreRefused) {
  auto r = Get("/adfs/.well-known/openid-configuration", "", {{"Host", "evil.example:443"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Body(r)["error"], "invalid_request");
  EXPECT_NE(Body(r)["error_description"].get<std::string>().find("loopback"), std::string::npos);
}

TEST_F(TokenService, ClientSecretGivesAnArmTokenThatTheLinkApiAccepts) {
  std::string token = SecretToken(kContosoApp, contoso_secret_);
  ASSERT_FALSE(token.empty());
  json c = Claims(token);
  EXPECT_EQ(c["aud"], "https://management.core.windows.net/");  // the scope without /.default
  EXPECT_EQ(c["iss"], Base());
  EXPECT_EQ(c["tid"], kT01);
  EXPECT_EQ(c["oid"], kContosoSp);
  EXPECT_EQ(c["appid"], kContosoApp);
  EXPECT_EQ(c["idtyp"], "app");
  EXPECT_EQ(c["exp"].get<int64_t>() - c["iat"].get<int64_t>(), 3600);

  auto me = Get("/openpal/v1/me", token);
  ASSERT_TRUE(me);
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(Body(me)["objectId"], kContosoSp);

  // HTTP Basic client authentication (RFC 6749 §2.3.1) works the same.
  auto basic = PostForm("/adfs/oauth2/token", "grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.azure.com%2F.default",
                        {{"Authorization", "Basic " + [] {
                            std::string raw = kFabrikamApp + ":" + fabrikam_secret_;
                            unsigned char out[512];
                            int n = EVP_EncodeBlock(out, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
                            return std::string(reinterpret_cast<char*>(out), n);
                          }()}});
  ASSERT_TRUE(basic);
  ASSERT_EQ(basic->status, 200) << basic->body;
  json fc = Claims(Body(basic)["access_token"]);
  EXPECT_EQ(fc["oid"], kFabrikamSp);
  EXPECT_EQ(fc["aud"], "https://management.azure.com");  // the scope without "/.default", as sent
}

TEST_F(TokenService, OAuthErrors) {
  struct Case {
    const char* what;
    std::string body;
    const char* type;
    int status;
    const char* error;
  };
  const std::string scope = "&scope=" + PercentEncode("https://management.azure.com/.default");
  std::vector<Case> cases = {
      {"JSON body", R"({"grant_type":"client_credentials"})", "application/json", 400, "invalid_request"},
      {"no grant_type", "client_id=x", "application/x-www-form-urlencoded", 400, "invalid_request"},
      {"repeated parameter", "grant_type=client_credentials&grant_type=client_credentials",
       "application/x-www-form-urlencoded", 400, "invalid_request"},
      {"bad escape", "grant_type=client%ZZcredentials", "application/x-www-form-urlencoded", 400, "invalid_request"},
      {"password grant", "grant_type=password&username=a&password=b", "application/x-www-form-urlencoded", 400,
       "unsupported_grant_type"},
      {"wrong secret", "grant_type=client_credentials&client_id=" + kContosoApp + "&client_secret=pal_nope" + scope,
       "application/x-www-form-urlencoded", 401, "invalid_client"},
      {"unknown client", "grant_type=client_credentials&client_id=nobody&client_secret=" + contoso_secret_ + scope,
       "application/x-www-form-urlencoded", 401, "invalid_client"},
      {"no client authentication", "grant_type=client_credentials&client_id=" + kContosoApp + scope,
       "application/x-www-form-urlencoded", 401, "invalid_client"},
      {"secret and assertion", "grant_type=client_credentials&client_id=" + kContosoApp + "&client_secret=x&client_assertion=y" + scope,
       "application/x-www-form-urlencoded", 400, "invalid_request"},
      {"no scope", "grant_type=client_credentials&client_id=" + kContosoApp + "&client_secret=" + PercentEncode(contoso_secret_),
       "application/x-www-form-urlencoded", 400, "invalid_scope"},
      {"scope without /.default",
       "grant_type=client_credentials&client_id=" + kContosoApp + "&client_secret=" + PercentEncode(contoso_secret_) +
           "&scope=https%3A%2F%2Fmanagement.azure.com%2Fuser_impersonation",
       "application/x-www-form-urlencoded", 400, "invalid_scope"},
      {"unknown code", "grant_type=authorization_code&code=abc&client_id=x&redirect_uri=" + PercentEncode(kRedirect),
       "application/x-www-form-urlencoded", 400, "invalid_grant"},
  };
  for (const auto& c : cases) {
    auto r = PostForm("/adfs/oauth2/token", c.body, {}, c.type);
    ASSERT_TRUE(r) << c.what;
    EXPECT_EQ(r->status, c.status) << c.what << ": " << r->body;
    json b = Body(r);
    EXPECT_EQ(b["error"], c.error) << c.what << ": " << r->body;
    EXPECT_TRUE(b["error_description"].is_string()) << c.what;
    EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store") << c.what;
  }
  auto get = Get("/adfs/oauth2/token");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
}

TEST_F(TokenService, ClientAssertionSignedByARegisteredKey) {
  std::string key_file = world_.dir + "/client-key.pem";
  std::ofstream(key_file) << *api::PrivateKeyToPem(*api::GenerateRsaKey(2048));
  ProcessResult added = RunPal({"credential", "add", "--db", world_.db, "--tenant", kT01, "--object", kContosoSp, "--public-key", key_file});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(Field(added.out, "client_secret"), "");
  ProcessResult minted = RunPal({"token", "--db", world_.db, "--tenant", kT01, "--object", kContosoSp, "--key", key_file,
                          "--audience", "api://AzureADTokenExchange", "--ttl", "300"});
  ASSERT_EQ(minted.exit_code, 0) << minted.err;
  std::string assertion = minted.out.substr(0, minted.out.find('\n'));
  const std::string form = "grant_type=client_credentials&client_id=" + kContosoApp +
                           "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
                           "&scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default&client_assertion=";
  auto r = PostForm("/adfs/oauth2/token", form + assertion);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json c = Claims(Body(r)["access_token"]);
  EXPECT_EQ(c["oid"], kContosoSp);
  EXPECT_EQ(c["appidacr"], "2");

  // The dev issuer's own tokens (aud ARM) are not client credentials of anyone.
  ProcessResult arm = RunPal({"token", "--db", world_.db, "--tenant", kT01, "--object", kContosoSp});
  auto refused = PostForm("/adfs/oauth2/token", form + arm.out.substr(0, arm.out.find('\n')));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401) << refused->body;
  EXPECT_EQ(Body(refused)["error"], "invalid_client");
  // Nor is Contoso's assertion one for Fabrikam's client ID.
  std::string other = form;
  other.replace(other.find(kContosoApp), kContosoApp.size(), kFabrikamApp);
  auto cross = PostForm("/adfs/oauth2/token", other + assertion);
  ASSERT_TRUE(cross);
  EXPECT_EQ(cross->status, 401) << cross->body;
}

TEST_F(TokenService, AuthorizationCodeWithPkce) {
  const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-openpal-test";
  const std::string query = "response_type=code&client_id=openpal-portal&redirect_uri=" + PercentEncode(kRedirect) +
                            "&scope=openid%20profile&state=st-1&nonce=n-0S6&code_challenge=" + S256(verifier) +
                            "&code_challenge_method=S256";
  // The sign-in page: a form listing the directory's principals, no script.
  auto page = Get("/adfs/oauth2/authorize?" + query);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("value=\"" + kT01 + "/" + kAlice + "\""), std::string::npos);
  EXPECT_NE(page->body.find("For development and tests only"), std::string::npos);
  EXPECT_EQ(page->body.find("<script"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("form-action 'self' http://localhost:5173"),
            std::string::npos);

  // Choosing Alice: 303 to the client with a code and the state.
  auto chosen = PostForm("/adfs/oauth2/authorize", query + "&principal=" + kT01 + "%2F" + kAlice);
  ASSERT_TRUE(chosen);
  ASSERT_EQ(chosen->status, 303) << chosen->body;
  std::string location = chosen->get_header_value("Location");
  ASSERT_EQ(location.rfind(kRedirect + "?code=", 0), 0u) << location;
  EXPECT_NE(location.find("&state=st-1"), std::string::npos) << location;
  std::string code = location.substr(kRedirect.size() + 6, location.find('&') - kRedirect.size() - 6);

  const std::string exchange = "grant_type=authorization_code&client_id=openpal-portal&redirect_uri=" +
                               PercentEncode(kRedirect) + "&code=" + code + "&code_verifier=";
  auto wrong = PostForm("/adfs/oauth2/token", exchange + verifier + "x");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 400);
  EXPECT_EQ(Body(wrong)["error"], "invalid_grant");
  // A failed attempt spends the code (a guessed verifier cannot be retried): sign in again.
  auto again = PostForm("/adfs/oauth2/authorize", query + "&principal=" + kT01 + "%2F" + kAlice);
  location = again->get_header_value("Location");
  code = location.substr(kRedirect.size() + 6, location.find('&') - kRedirect.size() - 6);
  const std::string exchange2 = "grant_type=authorization_code&client_id=openpal-portal&redirect_uri=" +
                                PercentEncode(kRedirect) + "&code=" + code + "&code_verifier=";
  auto ok = PostForm("/adfs/oauth2/token", exchange2 + verifier);
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  json tokens = Body(ok);
  json id = Claims(tokens["id_token"]);
  EXPECT_EQ(id["aud"], "openpal-portal");
  EXPECT_EQ(id["nonce"], "n-0S6");
  EXPECT_EQ(id["oid"], kAlice);
  EXPECT_EQ(id["iss"], Base());
  EXPECT_EQ(id["name"], "Alice Ortega");
  json access = Claims(tokens["access_token"]);
  EXPECT_EQ(access["aud"], "https://management.azure.com/");  // no resource asked: the link API
  auto me = Get("/openpal/v1/me", tokens["access_token"]);
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;
  // One use only.
  auto reused = PostForm("/adfs/oauth2/token", exchange2 + verifier);
  ASSERT_TRUE(reused);
  EXPECT_EQ(Body(reused)["error"], "invalid_grant");
}

TEST_F(TokenService, AuthorizeRefusesForeignRedirectsAndRequiresPkce) {
  const std::string pkce = "&code_challenge=" + S256(std::string(43, 'a')) + "&code_challenge_method=S256";
  // A redirect URI that is not one of the portal client's, exactly, or a client that is not registered: never
  // followed, the error is shown here (RFC 6749 §4.1.2.1).
  for (const auto& [client, redirect] : std::vector<std::pair<std::string, std::string>>{
           {"openpal-portal", "https://evil.example/cb"},
           {"openpal-portal", kRedirect + "/"},                 // not exactly the registered one
           {"openpal-portal", "http://localhost:5173/other"},   // a loopback origin is not enough
           {"openpal-portal", "https://127.0.0.1:" + std::to_string(world_.server.port) + "/x"},
           {"c", kRedirect}}) {                                 // an unknown client
    auto r = Get("/adfs/oauth2/authorize?response_type=code&client_id=" + client + "&state=s&redirect_uri=" +
                 PercentEncode(redirect) + pkce);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << client << " " << redirect;
    EXPECT_TRUE(r->get_header_value("Location").empty()) << redirect;
    EXPECT_NE(r->body.find(client == "c" ? "not a registered client" : "is not registered for client"),
              std::string::npos) << r->body;
  }
  // The server's own portal ("https://{Host}/") is registered without a flag.
  auto own = Get("/adfs/oauth2/authorize?response_type=code&client_id=openpal-portal&redirect_uri=" +
                 PercentEncode(Portal()) + pkce);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  // Without PKCE (or with "plain"), the error goes back to the client, with its state.
  for (const char* bad : {"", "&code_challenge=abc&code_challenge_method=plain"}) {
    auto r = Get("/adfs/oauth2/authorize?response_type=code&client_id=openpal-portal&state=x&redirect_uri=" +
                 PercentEncode(kRedirect) + bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 303) << bad;
    EXPECT_NE(r->get_header_value("Location").find("error=invalid_request"), std::string::npos) << bad;
    EXPECT_NE(r->get_header_value("Location").find("&state=x"), std::string::npos) << bad;
  }
  auto token_flow = Get("/adfs/oauth2/authorize?response_type=token&client_id=openpal-portal&redirect_uri=" +
                        PercentEncode(kRedirect) + pkce);
  ASSERT_TRUE(token_flow);
  EXPECT_NE(token_flow->get_header_value("Location").find("error=unsupported_response_type"), std::string::npos);
}

// The token request must name the redirect URI the code was issued for: another one (even a registered one) is
// refused, and the code is spent.
TEST_F(TokenService, CodeRedeemedWithAnotherRedirectUriIsRefused) {
  const std::string verifier = std::string(50, 'v');
  const std::string query = "response_type=code&client_id=openpal-portal&redirect_uri=" + PercentEncode(Portal()) +
                            "&code_challenge=" + S256(verifier) + "&code_challenge_method=S256";
  std::string code = CodeFor(query, kT01 + "/" + kAlice, Portal());
  ASSERT_FALSE(code.empty());
  const std::string exchange = "grant_type=authorization_code&client_id=openpal-portal&code=" + code +
                               "&code_verifier=" + verifier + "&redirect_uri=";
  for (const std::string& other : {kRedirect, std::string("https://evil.example/cb")}) {
    auto r = PostForm("/adfs/oauth2/token", exchange + PercentEncode(other));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(Body(r)["error"], "invalid_grant") << r->body;
  }
  auto late = PostForm("/adfs/oauth2/token", exchange + PercentEncode(Portal()));
  ASSERT_TRUE(late);
  EXPECT_EQ(Body(late)["error"], "invalid_grant") << "the code was spent by the failed attempt";
  // Issued to another client: refused too.
  code = CodeFor(query, kT01 + "/" + kAlice, Portal());
  auto other_client = PostForm("/adfs/oauth2/token", "grant_type=authorization_code&client_id=someone-else&code=" +
                                                         code + "&code_verifier=" + verifier +
                                                         "&redirect_uri=" + PercentEncode(Portal()));
  ASSERT_TRUE(other_client);
  EXPECT_EQ(Body(other_client)["error"], "invalid_grant");
}

// Silent renewal: with offline_access a refresh token comes with the tokens; each use spends it and issues another
// (rotation); presenting a spent one is refused and revokes the tokens issued from it (RFC 9700 §4.14.2).
TEST_F(TokenService, RefreshTokensRotateAndAReplayRevokesTheSignIn) {
  const std::string verifier = std::string(60, 'r');
  auto sign_in = [&](const std::string& scope) {
    const std::string query = "response_type=code&client_id=openpal-portal&redirect_uri=" + PercentEncode(Portal()) +
                              "&scope=" + PercentEncode(scope) + "&code_challenge=" + S256(verifier) +
                              "&code_challenge_method=S256";
    std::string code = CodeFor(query, kT01 + "/" + kAlice, Portal());
    auto r = PostForm("/adfs/oauth2/token", "grant_type=authorization_code&client_id=openpal-portal&code=" + code +
                                                "&code_verifier=" + verifier + "&redirect_uri=" + PercentEncode(Portal()));
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    return Body(r);
  };
  EXPECT_FALSE(sign_in("openid profile https://management.azure.com/.default").contains("refresh_token"))
      << "no offline_access, no refresh token";
  json first = sign_in("openid profile offline_access https://management.azure.com/.default");
  const std::string r1 = first.value("refresh_token", "");
  ASSERT_EQ(r1.size(), 43u) << first.dump();
  auto refresh = [&](const std::string& token, const std::string& client = "openpal-portal") {
    return PostForm("/adfs/oauth2/token", "grant_type=refresh_token&client_id=" + client + "&refresh_token=" + token +
                                              "&scope=" + PercentEncode("openid profile offline_access https://management.azure.com/.default"));
  };
  auto second = refresh(r1);
  ASSERT_TRUE(second);
  ASSERT_EQ(second->status, 200) << second->body;
  json renewed = Body(second);
  const std::string r2 = renewed.value("refresh_token", "");
  EXPECT_EQ(r2.size(), 43u);
  EXPECT_NE(r2, r1);
  json access = Claims(renewed["access_token"]);
  EXPECT_EQ(access["oid"], kAlice);
  EXPECT_EQ(access["aud"], "https://management.azure.com");  // the scope's resource, as Entra ID's v2 endpoint names it
  EXPECT_EQ(Claims(renewed["id_token"])["aud"], "openpal-portal");
  auto me = Get("/openpal/v1/me", renewed["access_token"]);
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;

  // Another client cannot use it (and spends it: the holder signs in again).
  auto stolen = refresh(r2, "someone-else");
  ASSERT_TRUE(stolen);
  EXPECT_EQ(Body(stolen)["error"], "invalid_grant");

  // A replay of the spent r1 is refused and revokes r1's sign-in: r3, issued from it, no longer works.
  const std::string other_family = sign_in("openid offline_access").value("refresh_token", "");
  auto spent = refresh(r2);  // r2 was spent by the foreign client's attempt
  ASSERT_TRUE(spent);
  EXPECT_EQ(Body(spent)["error"], "invalid_grant");
  json fresh = sign_in("openid offline_access");
  auto a = refresh(fresh["refresh_token"]);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->status, 200) << a->body;
  const std::string live = Body(a)["refresh_token"];
  auto replay = refresh(fresh["refresh_token"]);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 400);
  EXPECT_EQ(Body(replay)["error"], "invalid_grant");
  EXPECT_NE(Body(replay)["error_description"].get<std::string>().find("already used"), std::string::npos);
  auto revoked = refresh(live);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(Body(revoked)["error"], "invalid_grant") << "the replay revoked the sign-in's live token";
  // Another sign-in's tokens are untouched.
  auto untouched = refresh(other_family);
  ASSERT_TRUE(untouched);
  EXPECT_EQ(untouched->status, 200) << untouched->body;
  auto unknown = refresh("nonsense");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(Body(unknown)["error"], "invalid_grant");
}

// The end-session endpoint (the portal's sign-out): back to a registered URI only.
TEST_F(TokenService, LogoutReturnsOnlyToARegisteredUri) {
  auto d = Body(Get("/adfs/.well-known/openid-configuration"));
  EXPECT_EQ(d["end_session_endpoint"], Base() + "/oauth2/logout");
  auto back = Get("/adfs/oauth2/logout?post_logout_redirect_uri=" + PercentEncode(Portal()) + "&state=s1");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, 303);
  EXPECT_EQ(back->get_header_value("Location"), Portal() + "?state=s1");
  auto foreign = Get("/adfs/oauth2/logout?post_logout_redirect_uri=" + PercentEncode("https://evil.example/"));
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 200);
  EXPECT_TRUE(foreign->get_header_value("Location").empty());
  EXPECT_NE(foreign->body.find("not a registered redirect URI"), std::string::npos);
}

// GET /subscriptions and /tenants: what `az login` reads after its token request, for the caller's tenant only.
TEST_F(TokenService, SubscriptionsAndTenantsOfTheCallersTenant) {
  std::string token = SecretToken(kContosoApp, contoso_secret_);
  auto subs = Get("/subscriptions?api-version=2019-11-01", token);
  ASSERT_TRUE(subs);
  ASSERT_EQ(subs->status, 200) << subs->body;
  json value = Body(subs)["value"];
  ASSERT_FALSE(value.empty());
  for (const auto& s : value) {
    EXPECT_EQ(s["tenantId"], kT01);
    EXPECT_EQ(s["id"], "/subscriptions/" + s["subscriptionId"].get<std::string>());
    EXPECT_EQ(s["state"], "Enabled");
  }
  auto tenants = Get("/tenants?api-version=2019-11-01", token);
  ASSERT_TRUE(tenants);
  ASSERT_EQ(tenants->status, 200) << tenants->body;
  EXPECT_EQ(Body(tenants)["value"], json::parse(R"([{"id":"/tenants/)" + kT01 + R"(","tenantId":")" + kT01 +
                                                R"(","tenantCategory":"Home","displayName":"Contoso Managed Services",)"
                                                R"("defaultDomain":"contosoms.onmicrosoft.com","domains":["contosoms.onmicrosoft.com"]}])"))
      << tenants->body;
  auto anonymous = Get("/subscriptions?api-version=2019-11-01");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto no_version = Get("/subscriptions", token);
  ASSERT_TRUE(no_version);
  EXPECT_EQ(no_version->status, 400);
}

}  // namespace
}  // namespace openpal::testing
