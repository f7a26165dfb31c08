// `pal links` over the demo world (demo/README.md): golden outputs in every format at fixed moments, the filters,
// the Lighthouse and risk rules as the demo tables state them, and bad usage.
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "links_process.h"

namespace openpal::testing {
namespace {

const std::string kGolden = OPENPAL_SOURCE_DIR "/tests/cli/links_golden";
const std::string kAt = "2026-10-01T12:00:00Z";
const std::string kT01 = "10000000-0000-4000-8000-000000000001";
const std::string kT04 = "10000000-0000-4000-8000-000000000004";
const std::string kT07 = "10000000-0000-4000-8000-000000000007";

class LinksCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = TempDir("pal-links-test");
    db_ = dir_ + "/links.db";
    import_error_ = ImportDemoWorld(db_);
  }
  void SetUp() override { ASSERT_EQ(import_error_, ""); }
  static ProcessResult Links(std::vector<std::string> args) {
    args.insert(args.begin(), {"links", "--db", db_});
    return RunPal(args);
  }
  static nlohmann::json LinksJson(std::vector<std::string> args) {
    args.insert(args.end(), {"--output", "json"});
    ProcessResult r = Links(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  static inline std::string dir_, db_, import_error_;
};

TEST_F(LinksCommand, EveryFormatMatchesItsGoldenFile) {
  for (const std::string format : {"table", "csv", "tsv", "json"}) {
    ProcessResult r = Links({"--at", kAt, "--output", format});
    ASSERT_EQ(r.exit_code, 0) << format << ": " << r.err;
    EXPECT_EQ(CheckGolden(kGolden, "links_all." + format, r.out), "") << format;
  }
  ProcessResult partner = Links({"--at", kAt, "--partner", "4100012"});
  ASSERT_EQ(partner.exit_code, 0) << partner.err;
  EXPECT_EQ(CheckGolden(kGolden, "links_4100012.table", partner.out), "");
}

TEST_F(LinksCommand, LighthouseCountsForTheCustomersWhereTheLinkedPrincipalHoldsAuthorizations) {
  // Alice Ortega (T01, linked to 4100011) is in Contoso Azure Operators, which holds a permanent Lighthouse
  // Contributor authorization on S05 of T04: she counts as "lighthouse" in T04. The eligible-only authorization on
  // S15 (T13) does not make her count there.
  auto doc = LinksJson({"--at", kAt, "--tenant", kT04});
  ASSERT_TRUE(doc.is_object());
  ASSERT_EQ(doc["links"].size(), 2u) << doc.dump(2);
  for (const auto& link : doc["links"]) {
    EXPECT_EQ(link["identityKind"], "lighthouse");
    EXPECT_EQ(link["principalTenantId"], kT01);
    EXPECT_EQ(link["tenantName"], "Alpine Ski House");
  }
  auto wwi = LinksJson({"--at", kAt, "--tenant", "10000000-0000-4000-8000-000000000013"});
  EXPECT_TRUE(wwi["links"].empty()) << wwi.dump(2);
}

TEST_F(LinksCommand, CustomersDependingOnLinkedUsersOnlyAreAtRiskAndThePartnersOwnTenantNever) {
  auto doc = LinksJson({"--at", kAt, "--partner", "4100001"});  // the Contoso organisation: both location IDs
  std::map<std::string, std::string> risks;  // tenant|partner -> reason
  for (const auto& r : doc["customersAtRisk"])
    risks[r["tenantName"].get<std::string>() + "|" + r["partnerId"].get<std::string>()] = r["reason"];
  // Alpine Ski House: 4100012's credit rests on contoso-automation (an app): safe; 4100011's on Alice alone.
  EXPECT_EQ(risks.count("Alpine Ski House|4100012"), 0u);
  EXPECT_EQ(risks.count("Alpine Ski House|4100011"), 1u);
  EXPECT_EQ(risks.count("Tailspin Toys|4100012"), 0u);  // a service principal is linked
  EXPECT_EQ(risks.count("Contoso Managed Services|4100011"), 0u);  // the partner's own tenant is not a customer
  EXPECT_EQ(risks["Lucerne Publishing|4100011"], "Only guest Bob Kim (Contoso) is linked: the credit leaves with that person.");
  std::set<std::string> partners;
  for (const auto& l : doc["links"]) partners.insert(l["partnerId"].get<std::string>());
  EXPECT_EQ(partners, (std::set<std::string>{"4100011", "4100012"}));  // a global ID selects its locations
}

TEST_F(LinksCommand, AMovedLinkShowsUnderEachPartnerAtItsTimeAndADeletedUserIsMarked) {
  // Jo (T07, guest) moved from 4100011 to 4200011 at 2026-08-15T09:00Z.
  auto before = LinksJson({"--at", "2026-08-15T08:59:59Z", "--tenant", kT07});
  auto after = LinksJson({"--at", "2026-08-15T09:00:00Z", "--tenant", kT07});
  ASSERT_EQ(before["links"].size(), 1u);
  ASSERT_EQ(after["links"].size(), 1u);
  EXPECT_EQ(before["links"][0]["partnerId"], "4100011");
  EXPECT_EQ(after["links"][0]["partnerId"], "4200011");
  EXPECT_EQ(after["links"][0]["identityKind"], "guest");
  // The Fabrikam operator of Coho Winery was deleted 2026-09-20: still linked, marked deleted, credit already lost.
  auto coho = LinksJson({"--at", kAt, "--tenant", "10000000-0000-4000-8000-000000000006"});
  ASSERT_EQ(coho["links"].size(), 1u);
  EXPECT_EQ(coho["links"][0]["displayName"], "Fabrikam Operator");
  EXPECT_EQ(coho["links"][0]["principalState"], "deleted");
  ASSERT_EQ(coho["customersAtRisk"].size(), 1u);
  EXPECT_EQ(coho["customersAtRisk"][0]["reason"], "Already lost: member Fabrikam Operator is disabled or deleted.");
}

TEST_F(LinksCommand, BeforeAnyHistoryThereAreNoLinks) {
  auto doc = LinksJson({"--at", "2020-01-01"});
  EXPECT_EQ(doc["at"], "2020-01-01T00:00:00Z");
  EXPECT_TRUE(doc["links"].empty());
  EXPECT_TRUE(doc["customersAtRisk"].empty());
}

TEST_F(LinksCommand, BadUsageExitsTwoAndSaysWhatToGive) {
  ProcessResult at = Links({"--at", "yesterday"});
  EXPECT_EQ(at.exit_code, 2);
  EXPECT_NE(at.err.find("--at"), std::string::npos) << at.err;
  ProcessResult partner = Links({"--partner", "contoso"});
  EXPECT_EQ(partner.exit_code, 2);
  EXPECT_NE(partner.err.find("6 to 10 digits"), std::string::npos) << partner.err;
  ProcessResult tenant = Links({"--tenant", "T04"});
  EXPECT_EQ(tenant.exit_code, 2);
  ProcessResult output = Links({"--output", "xml"});
  EXPECT_EQ(output.exit_code, 2);
}

}  // namespace
}  // namespace openpal::testing
