// /openpal/v1/reports/*, /runs and /explain over HTTPS from the real `pal serve`, on the demo world with a saved run:
// only principals of the partner organisation's own tenant read a partner's data; everyone else gets 403.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/jwt.h"
#include "api/openapi.h"
#include "api/tls.h"
#include "serve_fixture.h"
#include "support/process.h"
#include "../pg/pg_test_db.h"

namespace openpal::api {
namespace {

const std::string kSource = OPENPAL_SOURCE_DIR;
// Demo principals (demo/README.md): T01 is Contoso's own tenant (4100001/4100011/4100012), T02 Fabrikam's (4200011),
// T03 a customer (Adatum), T06's Fabrikam operator was deleted on 2026-09-20.
constexpr const char* kT01 = "10000000-0000-4000-8000-000000000001";
constexpr const char* kAlice = "30000000-0000-4000-8000-010000000001";
constexpr const char* kT02 = "10000000-0000-4000-8000-000000000002";
constexpr const char* kFabrikamOps = "40000000-0000-4000-8000-020000000001";
constexpr const char* kT03 = "10000000-0000-4000-8000-000000000003";
constexpr const char* kAda = "30000000-0000-4000-8000-030000000001";
constexpr const char* kT06 = "10000000-0000-4000-8000-000000000006";
constexpr const char* kDeletedOperator = "30000000-0000-4000-8000-060000000002";
constexpr const char* kS09 = "/subscriptions/20000000-0000-4000-8000-000000000009";
constexpr const char* kFourthCoffeeUser = "30000000-0000-4000-8000-070000000001";  // Jo, a guest in T07 (holds S09)

// Runs `pal <args>` (at most 120 s) and returns its exit code and standard output.
std::pair<int, std::string> RunPal(const std::string& args) {
  auto r = openpal::testing::RunPal(openpal::testing::SplitArgs(args), {.timeout_seconds = 120});
  return {r.exit_code, r.out};
}

// The demo world imported, both demo exports attributed with --save, and `pal serve` over HTTPS with a test JWKS.
class ReportsEnv {
 public:
  static ReportsEnv& Get() {
    static ReportsEnv* env = new ReportsEnv();
    return *env;
  }

  std::string Token(const std::string& tid, const std::string& oid) const {
    int64_t now = Timestamp::Now().micros / 1000000;
    nlohmann::json claims = {{"aud", "https://management.azure.com/"}, {"iss", "https://sts.windows.net/" + tid + "/"},
                             {"tid", tid}, {"oid", oid}, {"nbf", now - 10}, {"exp", now + 3600}};
    nlohmann::json header = {{"alg", "RS256"}, {"kid", "reports-k1"}, {"typ", "JWT"}};
    return *SignRs256(header.dump(), claims.dump(), key_);
  }

  httplib::Result Get(const std::string& path, const std::string& token, const std::string& method = "GET") const {
    httplib::SSLClient cli("127.0.0.1", server_.port);
    cli.set_ca_cert_path(cert_.c_str());
    cli.enable_server_certificate_verification(true);
    cli.set_connection_timeout(10);
    cli.set_read_timeout(30);
    httplib::Request req;
    req.method = method;
    req.path = path;
    if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
    return cli.send(req);
  }

  const std::string& db() const { return db_; }

 private:
  ReportsEnv() {
    std::signal(SIGPIPE, SIG_IGN);
    char tmpl[] = "/tmp/openpal-reports-api-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    db_ = dir_ + "/openpal.db";
    // OPENPAL_TEST_BACKEND=postgres (ctest's pg.* run): import, attribute --save, report and serve on PostgreSQL.
    if (const char* backend = std::getenv("OPENPAL_TEST_BACKEND"); backend && std::string(backend) == "postgres") {
      static auto* pg = new openpal::testing::TestDatabase();
      if (!pg->ok()) {
        std::fprintf(stderr, "OPENPAL_TEST_BACKEND=postgres: %s\n", pg->why().c_str());
        std::abort();
      }
      db_ = pg->uri();  // no shell metacharacters in the test URI: RunPal and execv take it alike
    }
    cert_ = dir_ + "/cert.pem";
    std::string key_file = dir_ + "/key.pem", jwks = dir_ + "/keys.jwks";
    for (const char* s : {"2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"})
      EXPECT_EQ(RunPal("import --db " + db_ + " " + kSource + "/demo/snapshots/" + s).first, 0) << s;
    EXPECT_EQ(RunPal("attribute --quiet --save --db " + db_ + " --usage " + kSource + "/demo/usage/focus_2026-q3.csv " +
                     kSource + "/demo/usage/ea_actualcost_2026-09.csv")
                  .first,
              0);
    EXPECT_TRUE(WriteSelfSignedCertificate("127.0.0.1", cert_, key_file).ok());
    key_ = *GenerateRsaKey(2048);
    std::ofstream(jwks) << "{\"keys\":[" << *PublicJwk(key_, "reports-k1") << "]}";
    server_ = testing::StartPalServe(db_, cert_, key_file, jwks, dir_ + "/serve.log");
    std::atexit([] {
      ReportsEnv& env = Get();
      env.server_.Stop(10);
      std::error_code ec;
      std::filesystem::remove_all(env.dir_, ec);
    });
  }

  std::string dir_, db_, cert_;
  KeyPtr key_;
  testing::PalServer server_;
};

nlohmann::json Body(const httplib::Result& r) {
  return r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json(nlohmann::json::value_t::discarded);
}

TEST(ReportsApi, ThePartnersOwnTenantReadsTheSameReportAsPalReport) {
  auto& env = ReportsEnv::Get();
  auto r = env.Get("/openpal/v1/reports/influence?partner=4100011&from=2026-08&to=2026-09", env.Token(kT01, kAlice));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
  auto cli = RunPal("report --db " + env.db() + " --partner 4100011 --from 2026-08 --to 2026-09 --by customer month "
                    "--output json");
  ASSERT_EQ(cli.first, 0);
  EXPECT_EQ(Body(r), nlohmann::json::parse(cli.second)) << "the API and the command line give one answer";
  auto j = Body(r);
  EXPECT_EQ(j["partnerId"], "4100011");
  EXPECT_EQ(j["groupBy"], (nlohmann::json{"customer", "month"})) << "the default grouping";
  EXPECT_EQ(j["runs"], (nlohmann::json{1}));
  EXPECT_EQ(j["rows"][0]["customerName"], "Adatum Corporation");
  EXPECT_TRUE(j["rows"][0]["totalCost"].is_string()) << "amounts are exact decimal strings";
}

TEST(ReportsApi, AnyOtherTenantGets403ForEveryPartnerRoute) {
  auto& env = ReportsEnv::Get();
  for (const auto& [tid, oid] : {std::pair{kT02, kFabrikamOps}, std::pair{kT03, kAda}}) {
    std::string token = env.Token(tid, oid);
    for (const std::string& path : std::vector<std::string>{"/openpal/v1/reports/influence?partner=4100011",
                             "/openpal/v1/reports/unattributed?partner=4100011",
                             "/openpal/v1/reports/influence?partner=4100001",
                             std::string("/openpal/v1/explain?partner=4100011&at=2026-08-01&resource=") + kS09}) {
      auto r = env.Get(path, token);
      ASSERT_TRUE(r) << path;
      EXPECT_EQ(r->status, 403) << tid << " " << path << ": " << r->body;
      EXPECT_EQ(Body(r)["error"]["code"], "AuthorizationFailed") << path;
    }
  }
  // Fabrikam's tenant reads its own location ID.
  auto own = env.Get("/openpal/v1/reports/influence?partner=4200011&by=partner", env.Token(kT02, kFabrikamOps));
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  EXPECT_EQ(Body(own)["rows"][0]["partnerName"], "Fabrikam Cloud Partners Berlin");
}

TEST(ReportsApi, TokensAndPrincipalsAreCheckedFirst) {
  auto& env = ReportsEnv::Get();
  auto none = env.Get("/openpal/v1/reports/influence?partner=4100011", "");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate").rfind("Bearer ", 0), 0u);
  EXPECT_EQ(env.Get("/openpal/v1/runs", "garbage")->status, 401);
  auto deleted = env.Get("/openpal/v1/reports/influence?partner=4200011", env.Token(kT06, kDeletedOperator));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 403);
  EXPECT_EQ(Body(deleted)["error"]["code"], "PrincipalNotFound");
}

TEST(ReportsApi, BadQueriesAreAnsweredWithTheirCodes) {
  auto& env = ReportsEnv::Get();
  std::string token = env.Token(kT01, kAlice);
  struct Case {
    std::string path;
    int status;
    std::string code;
  };
  for (const Case& c : {Case{"/openpal/v1/reports/influence", 400, "InvalidQueryParameter"},
                        Case{"/openpal/v1/reports/influence?partner=4100011&by=region", 400, "InvalidQueryParameter"},
                        Case{"/openpal/v1/reports/influence?partner=4100011&from=2026-9", 400, "InvalidQueryParameter"},
                        Case{"/openpal/v1/reports/influence?partner=4100011&run=abc", 400, "InvalidQueryParameter"},
                        Case{"/openpal/v1/reports/influence?partner=4100011&run=99", 404, "RunNotFound"},
                        Case{"/openpal/v1/reports/influence?partner=9999999", 404, "PartnerNotFound"},
                        Case{"/openpal/v1/explain?at=2026-08-01", 400, "InvalidQueryParameter"},
                        Case{std::string("/openpal/v1/explain?at=yesterday&resource=") + kS09, 400,
                             "InvalidQueryParameter"}}) {
    auto r = env.Get(c.path, token);
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(r->status, c.status) << c.path << ": " << r->body;
    EXPECT_EQ(Body(r)["code"], c.code) << c.path;
  }
  auto post = env.Get("/openpal/v1/runs", token, "POST");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

TEST(ReportsApi, UnattributedCoversThePartnersCustomersOnly) {
  auto& env = ReportsEnv::Get();
  auto r = env.Get("/openpal/v1/reports/unattributed?partner=4100012", env.Token(kT01, kAlice));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = Body(r);
  std::set<std::string> tenants;
  for (const auto& row : j["rows"]) tenants.insert(row["customerTenantId"]);
  // 4100012's links are held in T01 (contoso-automation) and T10 (Dana); T12's S16 moved to T13, no customer of it.
  EXPECT_EQ(tenants, (std::set<std::string>{kT01, "10000000-0000-4000-8000-000000000010"}));
  // Margie's Travel (T10): rg-bookings was not credited before Dana's access began on 2026-07-10.
  bool margie = false;
  for (const auto& row : j["rows"])
    if (row["customerTenantId"] == "10000000-0000-4000-8000-000000000010")
      margie = row["reason"] == "NO_ACCESS" && row["month"] == "2026-07";
  EXPECT_TRUE(margie) << j.dump();
  ASSERT_FALSE(j["totals"].empty());
  EXPECT_FALSE(j["totals"][0].contains("attributedCost"));
}

TEST(ReportsApi, RunsAreListedToThePartnersTheyCredited) {
  auto& env = ReportsEnv::Get();
  auto partner = env.Get("/openpal/v1/runs", env.Token(kT01, kAlice));
  ASSERT_TRUE(partner);
  ASSERT_EQ(partner->status, 200) << partner->body;
  auto j = Body(partner);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["runId"], 1);
  EXPECT_EQ(j["runs"][0]["measure"], "effective");
  EXPECT_EQ(j["runs"][0]["from"], "2026-06");
  EXPECT_EQ(j["runs"][0]["files"][1]["rows"], 301);
  auto customer = env.Get("/openpal/v1/runs", env.Token(kT03, kAda));
  ASSERT_TRUE(customer);
  EXPECT_EQ(customer->status, 200);
  EXPECT_TRUE(Body(customer)["runs"].empty()) << "a customer tenant reads no partner's runs";
}

TEST(ReportsApi, ExplainShowsOnlyThePathsOfPartnersTheCallerMayRead) {
  auto& env = ReportsEnv::Get();
  // S09 on 2026-08-01: Jo (guest in T07) is linked to 4100011 and Contributor on S09.
  std::string path = std::string("/openpal/v1/explain?at=2026-08-01&resource=") + kS09;
  auto contoso = env.Get(path, env.Token(kT01, kAlice));
  ASSERT_TRUE(contoso);
  ASSERT_EQ(contoso->status, 200) << contoso->body;
  auto j = Body(contoso);
  EXPECT_EQ(j["creditedPartners"], (nlohmann::json{"4100011"}));
  EXPECT_FALSE(j["paths"].empty());
  // Fabrikam had no path to S09 then (Jo moved to 4200011 on 2026-08-15): nothing of it is Fabrikam's to see.
  auto fabrikam = env.Get(path, env.Token(kT02, kFabrikamOps));
  ASSERT_TRUE(fabrikam);
  EXPECT_EQ(fabrikam->status, 403) << fabrikam->body;
  EXPECT_EQ(Body(fabrikam)["code"], "AuthorizationFailed");
  // After the move Jo's path is Fabrikam's, and Contoso's then-credit is not.
  auto later =
      env.Get(std::string("/openpal/v1/explain?at=2026-09-01&resource=") + kS09, env.Token(kT02, kFabrikamOps));
  ASSERT_TRUE(later);
  ASSERT_EQ(later->status, 200) << later->body;
  auto f = Body(later);
  EXPECT_EQ(f["creditedPartners"], (nlohmann::json{"4200011"}));
  for (const auto& p : f["paths"]) EXPECT_EQ(p["partnerIdThen"], "4200011");
  EXPECT_TRUE(f["reason"].is_null());
  auto with_partner = env.Get(path + "&partner=4100011", env.Token(kT01, kAlice));
  ASSERT_TRUE(with_partner);
  EXPECT_EQ(with_partner->status, 200);
  EXPECT_EQ(Body(with_partner)["creditedPartners"], (nlohmann::json{"4100011"}));
}

// Issue 12 item 13: without partner=, an enabled principal of an unrelated tenant (a customer, or a partner with
// no path) learns nothing of a resource — not its tenant, chain or whether anyone is credited — answered alike
// whether it exists or not; the tenant holding it sees it all.
TEST(ReportsApi, ExplainRevealsNothingToThoseWithNoPathOrTenant) {
  auto& env = ReportsEnv::Get();
  std::string path = std::string("/openpal/v1/explain?at=2026-08-01&resource=") + kS09;
  auto stranger = env.Get(path, env.Token(kT03, kAda));
  ASSERT_TRUE(stranger);
  EXPECT_EQ(stranger->status, 403) << stranger->body;
  EXPECT_EQ(Body(stranger)["code"], "AuthorizationFailed");
  EXPECT_EQ(stranger->body.find("10000000-0000-4000-8000-000000000007"), std::string::npos) << stranger->body;
  auto unknown =
      env.Get("/openpal/v1/explain?at=2026-08-01&resource=/subscriptions/20000000-0000-4000-8000-0000000000ff",
              env.Token(kT03, kAda));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 403);
  EXPECT_EQ(Body(unknown)["code"], "AuthorizationFailed");
  // Fourth Coffee (T07) holds S09: it sees every path and the reason code.
  auto owner = env.Get(path, env.Token("10000000-0000-4000-8000-000000000007", kFourthCoffeeUser));
  ASSERT_TRUE(owner);
  ASSERT_EQ(owner->status, 200) << owner->body;
  auto o = Body(owner);
  EXPECT_EQ(o["customerTenantId"], "10000000-0000-4000-8000-000000000007");
  EXPECT_EQ(o["creditedPartners"], (nlohmann::json{"4100011"}));
  EXPECT_FALSE(o["paths"].empty());
}

TEST(OpenApiDocument, IsOpenApi30AndDescribesEveryOpenpalRoute) {
  auto doc = nlohmann::json::parse(OpenApiDocument(), nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "the embedded document is JSON";
  EXPECT_EQ(doc["openapi"].get<std::string>().rfind("3.0", 0), 0u);
  for (const char* route : {"/openpal/v1/me", "/openpal/v1/partners/{partnerId}", "/openpal/v1/reports/influence",
                            "/openpal/v1/reports/unattributed", "/openpal/v1/links", "/openpal/v1/runs",
                            "/openpal/v1/explain", "/openpal/v1/openapi.json", "/openpal/v1/dev/principals"})
    EXPECT_TRUE(doc["paths"].contains(route) && doc["paths"][route].contains("get")) << route;
  EXPECT_TRUE(doc["paths"]["/openpal/v1/dev/token"].contains("post"));
  // Every $ref points at a schema that exists.
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& node) {
    if (node.is_object()) {
      if (node.contains("$ref")) {
        std::string ref = node["$ref"];
        ASSERT_EQ(ref.rfind("#/components/schemas/", 0), 0u) << ref;
        EXPECT_TRUE(doc["components"]["schemas"].contains(ref.substr(21))) << ref;
      }
      for (const auto& [k, v] : node.items()) walk(v);
    } else if (node.is_array()) {
      for (const auto& v : node) walk(v);
    }
  };
  walk(doc);
}

TEST(OpenApiDocument, IsWhatTheServerServes) {
  auto& env = ReportsEnv::Get();
  auto r = env.Get("/openpal/v1/openapi.json", env.Token(kT03, kAda));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(nlohmann::json::parse(r->body, nullptr, false), nlohmann::json::parse(OpenApiDocument()));
}

}  // namespace
}  // namespace openpal::api
