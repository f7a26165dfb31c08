// The route table of pal serve's surfaces, in process: its entries, the order of checks (token, method, principal),
// trailing slashes, path case, the 405s' Allow, and which requests may have their bodies read.
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>
#include <unistd.h>

#include "api/dev_issuer.h"
#include "api/jwt.h"
#include "api/openpal_surfaces.h"
#include "store/store.h"

namespace openpal::api {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string();
}

// One dev issuer for the whole test (making its key takes a while).
DevIssuer& Issuer() {
  static DevIssuer* issuer = [] {
    std::string key = TempPath("pal-surfaces") + ".pem";
    auto loaded = DevIssuer::LoadOrCreate(key);
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    std::filesystem::remove(key);
    return new DevIssuer(std::move(loaded).value());
  }();
  return *issuer;
}

// An empty store, a verifier trusting a dev issuer, and every surface over them.
struct World {
  std::string db = TempPath("pal-surfaces") + ".db";
  std::unique_ptr<Store> store;
  TokenVerifier verifier;
  DevIssuer* issuer = &Issuer();
  std::unique_ptr<Surfaces> surfaces;

  explicit World(bool dev_issuer = true) {
    auto opened = OpenSqliteStore(db);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    store = std::move(opened).value();
    EXPECT_TRUE(issuer->TrustIn(verifier).ok());
    surfaces = std::make_unique<Surfaces>(SurfaceContext{*store, verifier, dev_issuer ? issuer : nullptr, db});
  }
  ~World() {
    surfaces.reset();
    store.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  }

  // A token for a principal the (empty) directory does not know.
  std::string Stranger() {
    auto token = issuer->Mint("10000000-0000-4000-8000-000000000001", "30000000-0000-4000-8000-0000000000ff", 300);
    EXPECT_TRUE(token.ok());
    return "Bearer " + *token;
  }

  ApiResponse Call(const std::string& method, const std::string& path, std::optional<std::string> auth = {},
                   const std::string& body = "") {
    ApiRequest request;
    request.method = method;
    request.path = path;
    request.api_version = "2018-02-01";
    request.authorization = std::move(auth);
    request.body = body;
    return surfaces->Answer(request);
  }
};

std::string Code(const ApiResponse& r) {
  auto at = r.body.find("\"code\":\"");
  if (at == std::string::npos) return "";
  at += 8;
  return r.body.substr(at, r.body.find('"', at) - at);
}

std::string HeaderOf(const ApiResponse& r, const std::string& name) {
  for (const auto& [key, value] : r.headers)
    if (key == name) return value;
  return "";
}

TEST(RouteTable, IsSoundWithAndWithoutTheDevIssuer) {
  for (bool dev : {true, false}) {
    World world(dev);
    EXPECT_EQ(world.surfaces->routes().Problems(), std::vector<std::string>{}) << "dev issuer " << dev;
  }
}

// The table is the list docs/openpal-api.md and link-api.md give: adding a route is one entry here.
TEST(RouteTable, ListsEveryRouteInMatchOrder) {
  World world;
  auto lines = world.surfaces->routes().Describe();
  auto has = [&](const std::string& line) { return std::find(lines.begin(), lines.end(), line) != lines.end(); };
  for (const char* line :
       {"GET /openpal/v1/reports/influence", "GET /openpal/v1/reports/unattributed", "GET /openpal/v1/runs",
        "GET /openpal/v1/explain", "GET /openpal/v1/me", "GET /openpal/v1/partners/{partnerId}",
        "GET /openpal/v1/links", "GET /openpal/v1/openapi.json", "GET /openpal/v1/dev/principals",
        "POST /openpal/v1/dev/token", "GET /", "HEAD /", "GET /index.html", "GET /assets/**",
        "GET /providers/microsoft.managementpartner/operations",
        "PUT /providers/microsoft.managementpartner/partners/{partnerId}"})
    EXPECT_TRUE(has(line)) << line;
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "* /**") << "the ARM surface's catch-all is last";
}

TEST(RouteTable, AMistakeInATableIsReported) {
  struct Broken : Surface {
    std::vector<Route> Routes() const override {
      auto ok = [](const RouteCall&) { return JsonResponse("{}"); };
      return {{"GET", "/x/{id}", Auth::kToken, false, ok},
              {"PUT", "/x/{id}", Auth::kPublic, true, ok},  // another auth on the same path
              {"GET", "/x/{id}", Auth::kToken, false, ok},  // twice
              {"GET", "/y/{id", Auth::kToken, false, ok},   // not a parameter
              {"GET", "y", Auth::kToken, false, ok},        // not a path
              {"GET", "/z", Auth::kToken, false, nullptr}};  // no handler
    }
  } broken;
  World world;
  RouteTable table(world.verifier, *world.store);
  table.Add(broken);
  EXPECT_EQ(table.Problems().size(), 5u);
}

TEST(RouteTable, TheTokenComesBeforeTheRouteAndTheMethod) {
  World world;
  for (const char* path : {"/providers/Microsoft.ManagementPartner/partners", "/anything/else",
                           "/openpal/v1/me", "/openpal/v1/runs", "/openpal/v1/nothing"}) {
    ApiResponse r = world.Call("POST", path);
    EXPECT_EQ(r.status, 401) << path;
    EXPECT_EQ(Code(r), "AuthenticationFailed") << path;
    EXPECT_FALSE(HeaderOf(r, "WWW-Authenticate").empty()) << path;
  }
}

TEST(RouteTable, AMethodThePathLacksIs405WithAllowBeforeThePrincipalCheck) {
  World world;
  std::string t = world.Stranger();
  ApiResponse post = world.Call("POST", "/providers/Microsoft.ManagementPartner/partners/1234567", t);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, PUT, PATCH, DELETE");
  EXPECT_EQ(post.caller, "10000000-0000-4000-8000-000000000001/30000000-0000-4000-8000-0000000000ff");
  ApiResponse runs = world.Call("DELETE", "/openpal/v1/runs", t);
  EXPECT_EQ(runs.status, 405);
  EXPECT_EQ(HeaderOf(runs, "Allow"), "GET");
  // With the method right, the unknown principal is next: 403.
  EXPECT_EQ(world.Call("GET", "/openpal/v1/runs", t).status, 403);
  EXPECT_EQ(world.Call("GET", "/providers/Microsoft.ManagementPartner/partners/1234567", t).status, 403);
  // HEAD exists only where declared (the portal): elsewhere it is a method like any other.
  EXPECT_EQ(world.Call("HEAD", "/openpal/v1/me", t).status, 405);
  ApiResponse token = world.Call("GET", "/openpal/v1/dev/token");
  EXPECT_EQ(token.status, 405);
  EXPECT_EQ(HeaderOf(token, "Allow"), "POST");
}

TEST(RouteTable, PathsMatchByEachSurfacesRules) {
  World world;
  std::string t = world.Stranger();
  // ARM: case-insensitive, one trailing slash; the ID keeps the caller's text.
  EXPECT_EQ(world.Call("GET", "/PROVIDERS/microsoft.MANAGEMENTPARTNER/operations/", t).status, 200);
  EXPECT_EQ(Code(world.Call("GET", "/providers/microsoft.managementpartner/operations//", t)), "InvalidResourceType");
  EXPECT_EQ(Code(world.Call("GET", "/providers/microsoft.managementpartner", t)), "InvalidResourceType");
  EXPECT_EQ(Code(world.Call("GET", "/providers/microsoft.managementpartnerX", t)), "NotFound");
  EXPECT_EQ(Code(world.Call("GET", "/providers/microsoft.managementpartner/partners/1/2", t)), "InvalidResourceType");
  // /openpal/v1 directory: any number of trailing slashes.
  EXPECT_EQ(Code(world.Call("GET", "/openpal/v1/me///", t)), "PrincipalNotFound");
  EXPECT_EQ(Code(world.Call("GET", "/openpal/v1/partners/", t)), "NotFound");
  // Reports: one.
  EXPECT_EQ(Code(world.Call("GET", "/OPENPAL/v1/runs/", t)), "PrincipalNotFound");
  EXPECT_EQ(Code(world.Call("GET", "/openpal/v1/runs//", t)), "NotFound");
  // The portal: exact names, exact case; its answers carry its policy, errors too.
  ApiResponse missing = world.Call("GET", "/assets/nothing.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_FALSE(HeaderOf(missing, "Content-Security-Policy").empty());
  ApiResponse post = world.Call("POST", "/index.html");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, HEAD");
  EXPECT_FALSE(HeaderOf(post, "Content-Security-Policy").empty());
  EXPECT_EQ(world.Call("GET", "/INDEX.HTML").status, 401) << "not the portal's: the ARM catch-all's";
}

TEST(RouteTable, BodiesAreReadOnlyForCallersThatMayUseThem) {
  World world;
  const RouteTable& table = world.surfaces->routes();
  auto head = [](const std::string& method, const std::string& path, std::optional<std::string> auth = {}) {
    ApiRequest r;
    r.method = method;
    r.path = path;
    r.authorization = std::move(auth);
    return r;
  };
  auto refused = table.RefuseBody(head("PUT", "/providers/microsoft.managementpartner/partners/1234567"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_FALSE(table.RefuseBody(head("PUT", "/providers/microsoft.managementpartner/partners/1234567",
                                     world.Stranger())));
  EXPECT_FALSE(table.RefuseBody(head("POST", "/openpal/v1/dev/token"))) << "the dev sign-in takes its body";
  auto principals = table.RefuseBody(head("GET", "/openpal/v1/dev/principals"));
  ASSERT_TRUE(principals);
  EXPECT_EQ(principals->status, 400);
  auto wrong = table.RefuseBody(head("PUT", "/openpal/v1/dev/principals"));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  auto page = table.RefuseBody(head("GET", "/index.html"));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, world.Call("GET", "/index.html").status == 200 ? 400 : 503);
  auto missing = table.RefuseBody(head("GET", "/assets/nothing.js"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, world.Call("GET", "/index.html").status == 200 ? 404 : 503);
}

TEST(RouteTable, WhatMayBlockRunsOnThePoolAndTheRestOnTheEventLoop) {
  World world;
  const RouteTable& table = world.surfaces->routes();
  auto blocks = [&](const std::string& method, const std::string& path) {
    ApiRequest r;
    r.method = method;
    r.path = path;
    return table.Find(r).blocks();
  };
  EXPECT_FALSE(blocks("GET", "/providers/microsoft.managementpartner/partners/1234567")) << "a cached render";
  EXPECT_TRUE(blocks("PUT", "/providers/microsoft.managementpartner/partners/1234567")) << "a durable commit";
  EXPECT_FALSE(blocks("POST", "/providers/microsoft.managementpartner/partners/1234567")) << "a 405";
  EXPECT_FALSE(blocks("GET", "/nowhere")) << "a 404";
  EXPECT_TRUE(blocks("GET", "/openpal/v1/reports/influence"));
  EXPECT_TRUE(blocks("GET", "/openpal/v1/me"));
  EXPECT_FALSE(blocks("GET", "/index.html"));
}

TEST(Surfaces, WithoutTheDevIssuerItsPathsAre404WithoutAToken) {
  World world(/*dev_issuer=*/false);
  EXPECT_EQ(Code(world.Call("GET", "/openpal/v1/dev/principals")), "NotFound");
  EXPECT_EQ(Code(world.Call("POST", "/openpal/v1/dev/token", {}, "{}")), "NotFound");
}

// With --dev-issuer the token service answers /adfs (public routes), and the account lists (token routes) come in
// both cases, before the ARM catch-all.
TEST(Surfaces, TheTokenServiceComesWithTheDevIssuer) {
  for (bool dev : {true, false}) {
    World world(dev);
    auto lines = world.surfaces->routes().Describe();
    auto has = [&](const std::string& line) { return std::find(lines.begin(), lines.end(), line) != lines.end(); };
    EXPECT_EQ(has("POST /adfs/oauth2/token"), dev);
    EXPECT_EQ(has("GET /adfs/.well-known/openid-configuration"), dev);
    EXPECT_TRUE(has("GET /subscriptions"));
    EXPECT_TRUE(has("GET /tenants"));
  }
  World world;
  ApiRequest request;
  request.method = "GET";
  request.path = "/ADFS/.well-known/openid-configuration";
  request.headers = {{"Host", "localhost:8443"}};
  ApiResponse response = world.surfaces->Answer(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\"issuer\":\"http://localhost:8443/adfs\""), std::string::npos) << response.body;
  // Another site's name (DNS rebinding to 127.0.0.1) is refused, unless the operator said --dev-issuer-anywhere.
  request.headers = {{"Host", "openpal.example.com"}};
  EXPECT_EQ(world.surfaces->Answer(request).status, 400);
  SurfaceContext anywhere{*world.store, world.verifier, world.issuer, world.db};
  anywhere.dev_issuer_any_host = true;
  anywhere.tls = true;
  Surfaces open_surfaces(anywhere);
  response = open_surfaces.Answer(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\"issuer\":\"https://openpal.example.com/adfs\""), std::string::npos) << response.body;
  // An unknown /adfs path is the token service's OAuth 404, not the ARM catch-all's.
  request.path = "/adfs/oauth2/v2.0/token";
  request.headers = {{"Host", "127.0.0.1:8443"}};
  response = world.surfaces->Answer(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("\"error\":\"invalid_request\""), std::string::npos) << response.body;
  // The token endpoint reads a body without a token (public, takes_body); the discovery document refuses one.
  request.method = "POST";
  request.path = "/adfs/oauth2/token";
  EXPECT_FALSE(world.surfaces->routes().RefuseBody(request));
  request.path = "/adfs/.well-known/openid-configuration";
  EXPECT_TRUE(world.surfaces->routes().RefuseBody(request));
}

}  // namespace
}  // namespace openpal::api
