// The /openpal/v1 directory routes (docs/openpal-api.md) on a real `pal serve --dev-issuer` over the demo world:
// /me, /partners/{id} (unknown, malformed, global with its locations, deleted, a good one), the links inventory's
// authorization (only the partner organisation's own tenant), and the dev sign-in, present only with --dev-issuer.
#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/dev_issuer.h"
#include "api/tls.h"
#include "support/dev_world.h"
#include "serve_fixture.h"

namespace openpal::testing {
namespace {

using nlohmann::json;

const std::string kT01 = "10000000-0000-4000-8000-000000000001";  // Contoso Managed Services (partner 4100001...)
const std::string kAlice = "30000000-0000-4000-8000-010000000001";
const std::string kT02 = "10000000-0000-4000-8000-000000000002";  // Fabrikam Cloud Partners
const std::string kFabrikamOps = "40000000-0000-4000-8000-020000000001";
const std::string kT04 = "10000000-0000-4000-8000-000000000004";  // Alpine Ski House, a customer
const std::string kAnna = "30000000-0000-4000-8000-040000000001";

class DirectoryRoutes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_.Start("directory"); }
  static void TearDownTestSuite() { world_.Stop(); }
  void SetUp() override { ASSERT_EQ(world_.error, ""); }

  static std::string Token(const std::string& tid, const std::string& oid) {
    auto issuer = api::DevIssuer::LoadOrCreate(api::DevIssuer::KeyPathFor(world_.db));
    EXPECT_TRUE(issuer.ok());
    auto token = issuer->Mint(tid, oid, 600);
    EXPECT_TRUE(token.ok());
    return token.ok() ? *token : "";
  }
  static httplib::Result Call(const std::string& method, const std::string& path, const std::string& token,
                              const std::string& body = "") {
    httplib::SSLClient client("127.0.0.1", world_.server.port);
    client.set_ca_cert_path(world_.cert.c_str());
    client.enable_server_certificate_verification(true);
    client.set_connection_timeout(10, 0);
    client.set_read_timeout(20, 0);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    if (method == "POST") return client.Post(path.c_str(), headers, body, "application/json");
    if (method == "PUT") return client.Put(path.c_str(), headers, body, "application/json");
    return client.Get(path.c_str(), headers);
  }
  static json Body(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }
  static inline DevWorld world_;
};

TEST_F(DirectoryRoutes, MeNamesThePrincipalAndThePartnerIdsItMayRead) {
  auto alice = Call("GET", "/openpal/v1/me", Token(kT01, kAlice));
  ASSERT_TRUE(alice);
  ASSERT_EQ(alice->status, 200) << alice->body;
  json me = Body(alice);
  EXPECT_EQ(me["displayName"], "Alice Ortega");
  EXPECT_EQ(me["principalKind"], "user");
  EXPECT_EQ(me["userType"], "member");
  ASSERT_EQ(me["partners"].size(), 3u);  // the Contoso organisation: its global ID and both locations
  EXPECT_EQ(me["partners"][0], json({{"partnerId", "4100001"}, {"partnerName", "Contoso Managed Services"},
                                     {"level", "global"}}));

  json anna = Body(Call("GET", "/openpal/v1/me", Token(kT04, kAnna)));
  EXPECT_EQ(anna["tenantId"], kT04);
  EXPECT_TRUE(anna["partners"].empty());  // a customer's principal reads no partner's data

  EXPECT_EQ(Call("GET", "/openpal/v1/me", "")->status, 401);
  auto stranger = Call("GET", "/openpal/v1/me", Token(kT04, "30000000-0000-4000-8000-0400000000ff"));
  EXPECT_EQ(stranger->status, 403);
  EXPECT_EQ(Body(stranger)["code"], "PrincipalNotFound");
}

TEST_F(DirectoryRoutes, PartnerLookupSaysWhetherAnIdCanBeLinkedInTheLinkApisWords) {
  std::string token = Token(kT04, kAnna);
  auto unknown = Call("GET", "/openpal/v1/partners/9999999", token);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Body(unknown)["code"], "PartnerNotFound");
  auto malformed = Call("GET", "/openpal/v1/partners/41000", token);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(Body(malformed)["code"], "PartnerIdInvalid");

  json good = Body(Call("GET", "/openpal/v1/partners/4100011", token));
  EXPECT_EQ(good["linkable"], true);
  EXPECT_EQ(good["reason"], "");
  EXPECT_EQ(good["level"], "location");
  EXPECT_EQ(good["globalPartnerId"], "4100001");
  EXPECT_EQ(good["partnerName"], "Contoso Managed Services, Seattle");

  json global = Body(Call("GET", "/openpal/v1/partners/4100001", token));
  EXPECT_EQ(global["level"], "global");
  EXPECT_EQ(global["linkable"], false);
  EXPECT_EQ(global["locations"], json::parse(R"([{"partnerId":"4100011","partnerName":"Contoso Managed Services, Seattle"},
                                                {"partnerId":"4100012","partnerName":"Contoso Managed Services, Dublin"}])"));
  // The reason is exactly what the link API answers to a PUT of that ID.
  auto put = Call("PUT", "/providers/Microsoft.ManagementPartner/partners/4100001?api-version=2018-02-01", token);
  ASSERT_EQ(put->status, 400);
  EXPECT_EQ(global["reason"], Body(put)["message"]);

  json deleted = Body(Call("GET", "/openpal/v1/partners/4300001", token));  // Northwind, deleted from 10-01
  EXPECT_EQ(deleted["state"], "deleted");
  EXPECT_EQ(deleted["linkable"], false);
  EXPECT_NE(deleted["reason"].get<std::string>().find("has been deleted"), std::string::npos);
}

TEST_F(DirectoryRoutes, OnlyThePartnerOrganisationsOwnTenantMayReadItsLinks) {
  auto contoso = Call("GET", "/openpal/v1/links?partner=4100011&at=2026-10-01T12:00:00Z", Token(kT01, kAlice));
  ASSERT_EQ(contoso->status, 200) << contoso->body;
  json inventory = Body(contoso);
  EXPECT_EQ(inventory["at"], "2026-10-01T12:00:00Z");
  // Adatum, Alpine (Lighthouse), Contoso itself, Lucerne, Proseware, Woodgrove: as `pal links --partner 4100011`.
  EXPECT_EQ(inventory["links"].size(), 6u) << inventory.dump(2);
  EXPECT_FALSE(inventory["customersAtRisk"].empty());

  auto customer = Call("GET", "/openpal/v1/links?partner=4100011", Token(kT04, kAnna));
  EXPECT_EQ(customer->status, 403);
  EXPECT_EQ(Body(customer)["code"], "AuthorizationFailed");
  auto other_partner = Call("GET", "/openpal/v1/links?partner=4100011", Token(kT02, kFabrikamOps));
  EXPECT_EQ(other_partner->status, 403);
  auto own = Call("GET", "/openpal/v1/links?partner=4200011&tenant=10000000-0000-4000-8000-000000000008",
                  Token(kT02, kFabrikamOps));
  ASSERT_EQ(own->status, 200) << own->body;
  json litware = Body(own);
  ASSERT_EQ(litware["links"].size(), 1u);
  EXPECT_EQ(litware["links"][0]["identityKind"], "lighthouse");

  EXPECT_EQ(Call("GET", "/openpal/v1/links", Token(kT01, kAlice))->status, 400);
  EXPECT_EQ(Call("GET", "/openpal/v1/links?partner=9999999", Token(kT01, kAlice))->status, 404);
  EXPECT_EQ(Call("GET", "/openpal/v1/links?partner=4100011&at=soon", Token(kT01, kAlice))->status, 400);
  EXPECT_EQ(Call("GET", "/openpal/v1/links?partner=4100011", "")->status, 401);
}

TEST_F(DirectoryRoutes, TheDevSignInListsPrincipalsAndMintsTokensTheServerAccepts) {
  auto principals = Call("GET", "/openpal/v1/dev/principals", "");
  ASSERT_EQ(principals->status, 200);
  json list = Body(principals);
  ASSERT_EQ(list["tenants"].size(), 14u);
  bool found = false;
  for (const auto& t : list["tenants"])
    for (const auto& p : t["principals"])
      if (p["objectId"] == kAnna) found = p["kind"] == "user" && p["displayName"] == "Anna Alpine";
  EXPECT_TRUE(found);

  auto minted = Call("POST", "/openpal/v1/dev/token", "", json({{"tenantId", kT04}, {"objectId", kAnna}}).dump());
  ASSERT_EQ(minted->status, 200) << minted->body;
  auto me = Call("GET", "/openpal/v1/me", Body(minted)["accessToken"]);
  EXPECT_EQ(me->status, 200);
  EXPECT_EQ(Call("POST", "/openpal/v1/dev/token", "", "{\"tenantId\":\"x\"}")->status, 400);
  EXPECT_EQ(Call("GET", "/openpal/v1/dev/token", "")->status, 405);
}

TEST_F(DirectoryRoutes, TheOpenApiDocumentDescribesTheseRoutes) {
  EXPECT_EQ(Call("GET", "/openpal/v1/openapi.json", "")->status, 401);  // every route but /dev/* needs a token
  auto r = Call("GET", "/openpal/v1/openapi.json", Token(kT04, kAnna));
  ASSERT_EQ(r->status, 200);
  json doc = Body(r);
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 4), "3.0.");
  for (const char* path : {"/openpal/v1/me", "/openpal/v1/partners/{partnerId}", "/openpal/v1/links",
                           "/openpal/v1/dev/principals", "/openpal/v1/dev/token"})
    EXPECT_TRUE(doc["paths"].contains(path)) << path;
}

TEST(DirectoryRoutesWithoutDevIssuer, TheDevRoutesDoNotExist) {
  auto& env = api::testing::ServeEnv::Get();  // pal serve with a JWKS only
  auto principals = env.Call("GET", "/openpal/v1/dev/principals", "");
  ASSERT_TRUE(principals);
  EXPECT_EQ(principals->status, 404);
  auto token = env.Call("POST", "/openpal/v1/dev/token", "", "{}");
  ASSERT_TRUE(token);
  EXPECT_EQ(token->status, 404);
  // The other routes are there: /me answers for the fixture's user.
  EXPECT_EQ(env.Call("GET", "/openpal/v1/me", env.TokenA(1))->status, 200);
}

}  // namespace
}  // namespace openpal::testing
