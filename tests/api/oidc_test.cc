// `pal serve --oidc-authority/--oidc-client-id` (docs/api.md "OpenID Connect"): discovery checks, keys trusted for
// exactly the provider's issuer and the client ID's audience, key rotation with a rate-limited refetch, the fetcher's
// refusals, and the real server trusting a provider started on loopback.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/jwt.h"
#include "api/oidc.h"
#include "serve_fixture.h"

namespace openpal::api {
namespace {

constexpr const char* kTid = "1b1121dd-6900-412a-af73-e8d44f81e1c1";
constexpr const char* kOid = "aa67f786-0552-423e-8849-244ed12bf581";
constexpr const char* kAuthority = "https://id.example.test/tenant1";
constexpr const char* kClient = "4f1c2a5e-portal";
const Timestamp kNow = Timestamp::FromSeconds(1767225600);  // 2026-01-01T00:00:00Z
Timestamp After(int64_t seconds) { return Timestamp::FromSeconds(1767225600 + seconds); }

const KeyPtr& KeyA() {
  static KeyPtr key = *GenerateRsaKey(2048);
  return key;
}
const KeyPtr& KeyB() {
  static KeyPtr key = *GenerateRsaKey(2048);
  return key;
}

std::string Jwks(std::vector<std::pair<const KeyPtr*, std::string>> keys) {
  std::string out = "{\"keys\":[";
  for (size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + *PublicJwk(*keys[i].first, keys[i].second);
  return out + "]}";
}

nlohmann::json Discovery(const std::string& issuer = kAuthority) {
  return {{"issuer", issuer},
          {"authorization_endpoint", std::string(kAuthority) + "/auth"},
          {"token_endpoint", "https://tokens.example.test/token"},
          {"jwks_uri", std::string(kAuthority) + "/jwks"},
          {"end_session_endpoint", std::string(kAuthority) + "/logout"}};
}

nlohmann::json Claims(const std::string& aud = kClient, const std::string& iss = kAuthority) {
  return {{"aud", aud}, {"iss", iss}, {"tid", kTid}, {"oid", kOid}, {"exp", 1767225600 + 3600}};
}

std::string Sign(const nlohmann::json& claims, const std::string& kid = "a1", const KeyPtr& key = KeyA()) {
  return *SignRs256(nlohmann::json{{"alg", "RS256"}, {"kid", kid}}.dump(), claims.dump(), key);
}

// A provider that answers from a map of URL -> body and counts fetches.
struct FakeProvider {
  std::map<std::string, std::string> bodies;
  std::shared_ptr<std::atomic<int>> fetches = std::make_shared<std::atomic<int>>(0);
  HttpGet Getter() const {
    return [this](const std::string& url) -> Result<std::string> {
      ++*fetches;
      auto it = bodies.find(url);
      if (it == bodies.end()) return Status::Error(StatusCode::kUnavailable, "HTTP 404 (expected 200)", url);
      return it->second;
    };
  }
};

FakeProvider StandardProvider() {
  FakeProvider p;
  p.bodies[std::string(kAuthority) + "/.well-known/openid-configuration"] = Discovery().dump();
  p.bodies[std::string(kAuthority) + "/jwks"] = Jwks({{&KeyA(), "a1"}});
  return p;
}

OidcSettings Settings() {
  OidcSettings s;
  s.authority = std::string(kAuthority) + "/";  // a trailing slash is tolerated
  s.client_id = kClient;
  return s;
}

TEST(OidcUrls, HttpsAnywhereAndPlainHttpOnlyOnLoopback) {
  EXPECT_TRUE(CheckProviderUrl("https://login.microsoftonline.com/x/v2.0", "t").ok());
  EXPECT_TRUE(CheckProviderUrl("http://127.0.0.1:9000/", "t").ok());
  EXPECT_TRUE(CheckProviderUrl("http://[::1]:9000/", "t").ok());
  EXPECT_TRUE(CheckProviderUrl("http://localhost:9000", "t").ok());
  Status remote = CheckProviderUrl("http://id.example.test/", "--oidc-authority");
  EXPECT_FALSE(remote.ok());
  EXPECT_NE(remote.ToString().find("--oidc-authority: 'http://id.example.test/' is plain http"), std::string::npos)
      << remote.ToString();
  EXPECT_FALSE(CheckProviderUrl("ftp://127.0.0.1/", "t").ok());
  EXPECT_FALSE(CheckProviderUrl("https://user@id.example.test/", "t").ok());
  EXPECT_FALSE(CheckProviderUrl("id.example.test", "t").ok());
  EXPECT_EQ(UrlOrigin("HTTPS://Login.Example.test:8443/a/b?c"), "https://login.example.test:8443");
}

TEST(OidcDiscovery, TheIssuerMustBeTheAuthority) {
  std::string origin = "disco";
  EXPECT_TRUE(ParseDiscovery(Discovery().dump(), kAuthority, origin).ok());
  EXPECT_TRUE(ParseDiscovery(Discovery(std::string(kAuthority) + "/").dump(), kAuthority, origin).ok());
  auto other = ParseDiscovery(Discovery("https://evil.example.test/tenant1").dump(), kAuthority, origin);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().ToString().find("disco: $.issuer: the issuer 'https://evil.example.test/tenant1' is not"),
            std::string::npos)
      << other.status().ToString();
  // Entra ID's multi-tenant documents: "{tenantid}" stands for the authority's tenant segment, and only one segment.
  auto entra = Discovery("https://login.microsoftonline.com/{tenantid}/v2.0");
  EXPECT_TRUE(ParseDiscovery(entra.dump(), "https://login.microsoftonline.com/organizations/v2.0", origin).ok());
  EXPECT_FALSE(ParseDiscovery(entra.dump(), "https://login.microsoftonline.com/a/b/v2.0", origin).ok());
  EXPECT_FALSE(ParseDiscovery(entra.dump(), "https://login.microsoftonline.com/v2.0", origin).ok());
}

TEST(OidcDiscovery, RefusesMissingFieldsAndPlainHttpEndpointsWithTheirPath) {
  auto missing = Discovery();
  missing.erase("jwks_uri");
  auto r = ParseDiscovery(missing.dump(), kAuthority, "disco");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().where(), "disco: $.jwks_uri");
  auto plain = Discovery();
  plain["token_endpoint"] = "http://tokens.example.test/token";
  r = ParseDiscovery(plain.dump(), kAuthority, "disco");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().where(), "disco: $.token_endpoint");
  EXPECT_FALSE(ParseDiscovery("[]", kAuthority, "disco").ok());
  EXPECT_FALSE(ParseDiscovery("not json", kAuthority, "disco").ok());
  auto no_logout = Discovery();
  no_logout.erase("end_session_endpoint");  // optional
  EXPECT_TRUE(ParseDiscovery(no_logout.dump(), kAuthority, "disco").ok());
}

TEST(OidcProvider, TrustsItsKeysForExactlyItsIssuerAndTheClientIdAudience) {
  FakeProvider p = StandardProvider();
  TokenVerifier v;
  auto provider = OidcProvider::Connect(Settings(), p.Getter(), v);
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  EXPECT_EQ(provider->metadata().issuer, kAuthority);
  EXPECT_EQ(provider->settings().authority, kAuthority);
  EXPECT_EQ(provider->BrowserOrigins(), (std::vector<std::string>{"https://id.example.test", "https://tokens.example.test"}));
  EXPECT_EQ(v.key_count(), 1u);

  auto ok = v.Verify(Sign(Claims()), kNow);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->object_id, kOid);
  EXPECT_TRUE(v.Verify(Sign(Claims("https://management.azure.com/")), kNow).ok());  // the API's own audiences too
  EXPECT_FALSE(v.Verify(Sign(Claims("another-client")), kNow).ok());
  // The provider's key does not vouch for any other issuer, Entra's patterns included.
  EXPECT_FALSE(v.Verify(Sign(Claims(kClient, "https://other.example.test/tenant1")), kNow).ok());
  EXPECT_FALSE(v.Verify(Sign(Claims(kClient, std::string("https://sts.windows.net/") + kTid + "/")), kNow).ok());
}

TEST(OidcProvider, AClientIdAudienceIsNotAcceptedFromOtherKeys) {
  // Keys of --jwks (Entra) keep the API audiences only: the client ID is this provider's audience.
  FakeProvider p = StandardProvider();
  TokenVerifier v;
  ASSERT_TRUE(v.AddJwks(Jwks({{&KeyB(), "b1"}}), "entra.jwks").ok());
  ASSERT_TRUE(OidcProvider::Connect(Settings(), p.Getter(), v).ok());
  auto entra = Claims(kClient, std::string("https://sts.windows.net/") + kTid + "/");
  EXPECT_FALSE(v.Verify(Sign(entra, "b1", KeyB()), kNow).ok());
  entra["aud"] = "https://management.azure.com/";
  EXPECT_TRUE(v.Verify(Sign(entra, "b1", KeyB()), kNow).ok());
}

TEST(OidcProvider, MultiTenantIssuerTemplateTakesTheTokensOwnTenant) {
  FakeProvider p;
  std::string authority = "https://login.microsoftonline.com/organizations/v2.0";
  auto disco = Discovery("https://login.microsoftonline.com/{tenantid}/v2.0");
  disco["jwks_uri"] = "https://login.microsoftonline.com/common/discovery/v2.0/keys";
  p.bodies[authority + "/.well-known/openid-configuration"] = disco.dump();
  p.bodies["https://login.microsoftonline.com/common/discovery/v2.0/keys"] = Jwks({{&KeyA(), "a1"}});
  OidcSettings s = Settings();
  s.authority = authority;
  TokenVerifier v;
  ASSERT_TRUE(OidcProvider::Connect(s, p.Getter(), v).ok());
  auto own = Claims(kClient, std::string("https://login.microsoftonline.com/") + kTid + "/v2.0");
  EXPECT_TRUE(v.Verify(Sign(own), kNow).ok());
  auto foreign = Claims(kClient, "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0");
  EXPECT_FALSE(v.Verify(Sign(foreign), kNow).ok());  // another tenant's issuer with this token's tid
}

// Waits (at most 10 s) until `done` holds; the key sources fetch on their own threads.
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

TEST(OidcProvider, RefetchesKeysOnAnUnknownKidAtMostOncePerInterval) {
  FakeProvider p = StandardProvider();
  TokenVerifier v;
  OidcSettings s = Settings();
  s.refresh_interval = std::chrono::seconds(300);
  std::mutex reports_mutex;
  std::vector<std::string> reports;
  auto report_count = [&] {
    std::lock_guard lock(reports_mutex);
    return reports.size();
  };
  ASSERT_TRUE(OidcProvider::Connect(s, p.Getter(), v, [&](const Status& st) {
                std::lock_guard lock(reports_mutex);
                reports.push_back(st.ToString());
              }).ok());
  EXPECT_EQ(*p.fetches, 2);  // discovery + JWKS

  // The provider rotates: key b1 replaces a1. The first token of b1 is refused at once (the verifier never waits for
  // the network) and starts a refetch on the source's thread; once it is done, b1 is trusted and a1 no longer.
  p.bodies[std::string(kAuthority) + "/jwks"] = Jwks({{&KeyB(), "b1"}});
  EXPECT_FALSE(v.Verify(Sign(Claims(), "b1", KeyB()), kNow).ok());
  ASSERT_TRUE(Eventually([&] { return report_count() == 1; }));
  EXPECT_EQ(*p.fetches, 3);
  EXPECT_EQ(reports[0], "OK");
  auto rotated = v.Verify(Sign(Claims(), "b1", KeyB()), kNow);
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  EXPECT_EQ(v.key_count(), 1u);                                         // a1 is no longer listed: no longer trusted
  EXPECT_FALSE(v.Verify(Sign(Claims(), "a1"), After(1)).ok());

  // Unknown kids within the interval are refused without fetching (a flood of made-up kids costs one fetch).
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(v.Verify(Sign(Claims(), "made-up-" + std::to_string(i)), kNow).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(*p.fetches, 3);  // nor did the a1 lookup above, a second after the rotation's fetch
  // After the interval, one more fetch; a failing fetch keeps the keys and is reported.
  p.bodies.erase(std::string(kAuthority) + "/jwks");
  Timestamp later = After(302);
  EXPECT_FALSE(v.Verify(Sign(Claims(), "c1"), later).ok());
  ASSERT_TRUE(Eventually([&] { return report_count() == 2; }));
  EXPECT_EQ(*p.fetches, 4);
  {
    std::lock_guard lock(reports_mutex);
    EXPECT_NE(reports.back().find("HTTP 404"), std::string::npos) << reports.back();
  }
  EXPECT_TRUE(v.Verify(Sign(Claims(), "b1", KeyB()), later).ok());
}

// A provider that does not answer (the fetch takes its whole timeout) costs the request that found an unknown kid
// nothing: verification answers while the fetch is still blocked, on whichever thread calls it (the server's event
// loop among them). The fetch here blocks until the test releases it (10 s at most: on the caller's thread, as before
// the fix, verification would take that long).
TEST(OidcProvider, ASlowKeyFetchNeverDelaysVerification) {
  FakeProvider p = StandardProvider();
  std::atomic<bool> slow{false};
  std::atomic<bool> release{false};
  std::atomic<int> slow_fetches{0};
  HttpGet get = [&, inner = p.Getter()](const std::string& url) -> Result<std::string> {
    if (slow) {
      ++slow_fetches;
      for (int i = 0; i < 1000 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return inner(url);
  };
  auto v = std::make_unique<TokenVerifier>();
  ASSERT_TRUE(OidcProvider::Connect(Settings(), get, *v).ok());
  slow = true;
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(v->Verify(Sign(Claims(), "b1", KeyB()), kNow).ok());
  EXPECT_TRUE(v->Verify(Sign(Claims()), kNow).ok());  // a known key meanwhile: answered as usual
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5)) << "verification waited for the fetch";
  ASSERT_TRUE(Eventually([&] { return slow_fetches == 1; }));
  EXPECT_FALSE(release) << "the fetch is still in flight";
  release = true;
  v.reset();  // waits for the fetch in flight, then stops the thread
}

TEST(OidcProvider, StartupErrorsNameTheFlagAndTheUrl) {
  TokenVerifier v;
  FakeProvider none;
  auto r = OidcProvider::Connect(Settings(), none.Getter(), v);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("--oidc-authority: discovery: https://id.example.test/tenant1/.well-known/"
                                       "openid-configuration: HTTP 404"),
            std::string::npos)
      << r.status().ToString();
  FakeProvider no_keys = StandardProvider();
  no_keys.bodies[std::string(kAuthority) + "/jwks"] = R"({"keys":[]})";
  r = OidcProvider::Connect(Settings(), no_keys.Getter(), v);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("/jwks: no RSA signing key"), std::string::npos) << r.status().ToString();
  OidcSettings no_client = Settings();
  no_client.client_id.clear();
  EXPECT_FALSE(OidcProvider::Connect(no_client, StandardProvider().Getter(), v).ok());
  OidcSettings remote = Settings();
  remote.authority = "http://id.example.test/tenant1";
  r = OidcProvider::Connect(remote, StandardProvider().Getter(), v);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("plain http"), std::string::npos);
  EXPECT_EQ(v.key_count(), 0u);
}

// A real provider on loopback: an httplib server with discovery and JWKS, and a redirecting and a huge document.
struct LoopbackProvider {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::string base;
  std::string jwks = Jwks({{&KeyA(), "a1"}});
  LoopbackProvider() {
    port = server.bind_to_any_port("127.0.0.1");
    base = "http://127.0.0.1:" + std::to_string(port);
    server.Get("/.well-known/openid-configuration", [this](const httplib::Request&, httplib::Response& res) {
      nlohmann::json d = {{"issuer", base},
                          {"authorization_endpoint", base + "/auth"},
                          {"token_endpoint", base + "/token"},
                          {"jwks_uri", base + "/jwks"}};
      res.set_content(d.dump(), "application/json");
    });
    server.Get("/jwks", [this](const httplib::Request&, httplib::Response& res) { res.set_content(jwks, "application/json"); });
    server.Get("/moved", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/jwks"); });
    server.Get("/huge", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(2 * 1024 * 1024, ' '), "application/json");
    });
    thread = std::thread([this] { server.listen_after_bind(); });
    // stop() only stops a server that is already running: wait for it (bounded), or a quick stop would hang join().
    for (int i = 0; i < 500 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~LoopbackProvider() {
    server.stop();
    thread.join();
  }
};

TEST(OidcFetch, GetsLoopbackDocumentsAndRefusesRedirectsAndHugeOnes) {
  LoopbackProvider provider;
  HttpGet get = MakeHttpGet("");
  auto jwks = get(provider.base + "/jwks");
  ASSERT_TRUE(jwks.ok()) << jwks.status().ToString();
  EXPECT_EQ(*jwks, provider.jwks);
  auto moved = get(provider.base + "/moved");
  ASSERT_FALSE(moved.ok());
  EXPECT_NE(moved.status().message().find("redirects are not followed"), std::string::npos) << moved.status().ToString();
  auto huge = get(provider.base + "/huge");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.status().message().find("larger than 1 MiB"), std::string::npos) << huge.status().ToString();
  EXPECT_FALSE(get("http://192.0.2.1/jwks").ok());  // refused before any connection: not loopback
}

// The real `pal serve`: trusts the provider's tokens for the client ID, serves the portal its sign-in settings with the
// provider in the CSP, and refuses to start when the provider cannot be reached.
TEST(OidcServe, PalServeTrustsTheProviderAndTellsThePortal) {
  using testing::ServeEnv;
  LoopbackProvider provider;
  ServeEnv& env = ServeEnv::Get();
  testing::PalServer server = env.StartServer({"--oidc-authority", provider.base, "--oidc-client-id", "portal-app"});
  ASSERT_NE(server.port, 0);
  auto client = env.Client(server.port);
  auto call = [&](const std::string& path, const std::string& token) {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return client->Get(path.c_str(), h);
  };
  nlohmann::json claims = {{"aud", "portal-app"}, {"iss", provider.base}, {"tid", testing::kTenantA},
                           {"oid", testing::UserA(37)}, {"exp", std::time(nullptr) + 600}};
  auto me = call("/openpal/v1/me", Sign(claims));
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;
  claims["aud"] = "someone-else";
  auto wrong = call("/openpal/v1/me", Sign(claims));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401) << wrong->body;

  auto config = call("/config.json", "");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->status, 200);
  auto doc = nlohmann::json::parse(config->body);
  EXPECT_EQ(doc["oidc"]["authority"], provider.base);
  EXPECT_EQ(doc["oidc"]["clientId"], "portal-app");
  EXPECT_EQ(doc["devIssuer"], false);
  EXPECT_NE(config->get_header_value("Content-Security-Policy").find("connect-src 'self' " + provider.base + ";"),
            std::string::npos)
      << config->get_header_value("Content-Security-Policy");
  EXPECT_EQ(server.Stop(), 0);

  // The suite's own server has no provider: the portal is told so, and its CSP stays same-origin.
  auto plain = env.Call("GET", "/config.json", "");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(nlohmann::json::parse(plain->body)["oidc"].is_null());
  EXPECT_NE(plain->get_header_value("Content-Security-Policy").find("connect-src 'self';"), std::string::npos);
}

TEST(OidcServe, PalServeRefusesToStartWithoutTheProvidersDocuments) {
  using testing::ServeEnv;
  int port = 0;
  {
    LoopbackProvider gone;  // a port where nothing listens once it is stopped
    port = gone.port;
  }
  auto refused = openpal::testing::RunPal({"serve", "--listen", "127.0.0.1:0", "--db", ServeEnv::Get().db_path(),
                                           "--oidc-authority", "http://127.0.0.1:" + std::to_string(port),
                                           "--oidc-client-id", "portal-app"},
                                          {.timeout_seconds = 20});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("pal serve: --oidc-authority: discovery: http://127.0.0.1:" + std::to_string(port) +
                             "/.well-known/openid-configuration: cannot fetch"),
            std::string::npos)
      << refused.err;
  auto half = openpal::testing::RunPal({"serve", "--listen", "127.0.0.1:0", "--db", ServeEnv::Get().db_path(),
                                        "--oidc-authority", "http://127.0.0.1:1"},
                                       {.timeout_seconds = 20});
  EXPECT_NE(half.err.find("--oidc-authority and --oidc-client-id go together"), std::string::npos) << half.err;
}

}  // namespace
}  // namespace openpal::api
