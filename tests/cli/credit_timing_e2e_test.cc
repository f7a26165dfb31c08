// Credit stops when the linked principal was deleted, judged against the previous users.json (issue 11):
// `pal import` of three snapshots, then `pal attribute` and `pal explain` give the same answer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "links_process.h"

namespace openpal::testing {
namespace {

const std::string kTenant = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kUser = "0b000000-0000-4000-8000-000000000001";
const std::string kSub = "5b000000-0000-4000-8000-000000000001";
const std::string kResource = "/subscriptions/" + kSub + "/resourceGroups/rg/providers/Microsoft.Web/sites/app";
const std::string kPartner = "1234567";

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

class CreditTiming : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("openpal-credit-timing");
    ASSERT_FALSE(dir_.empty());
    db_ = dir_ + "/openpal.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A snapshot of tenant T at `as_of` with `files` (name -> content) besides tenant.json.
  void Snapshot(const std::string& name, const std::string& as_of,
                const std::vector<std::pair<std::string, std::string>>& files) {
    std::filesystem::path root = std::filesystem::path(dir_) / name;
    WriteFile(root / "snapshot.json", "{\"asOf\": \"" + as_of + "\"}");
    std::filesystem::path tenant = root / "tenants" / kTenant;
    WriteFile(tenant / "tenant.json", "{\"tenantId\": \"" + kTenant + "\", \"displayName\": \"Fabrikam\"}");
    for (const auto& [file, content] : files) WriteFile(file == "partners.csv" ? root / file : tenant / file, content);
    ProcessResult r = RunPal({"import", root.string(), "--db", db_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string dir_, db_;
};

std::string User(const std::string& extra) {
  return "[{\"id\": \"" + kUser + "\", \"displayName\": \"Una\", \"userPrincipalName\": \"una@fabrikam.example\", "
         "\"userType\": \"Member\", \"accountEnabled\": true, \"createdDateTime\": \"2026-06-01T00:00:00Z\"" +
         extra + "}]";
}

TEST_F(CreditTiming, ADeletionBetweenTwoUsersJsonStopsTheCreditAtItsTimeInAttributeAndExplain) {
  // S0 Jan 2: U enabled, linked, Contributor on the subscription. S1 Jan 15: users.json absent (groups.json and
  // subscriptions.json present). S2 Jan 30: U with deletedDateTime Jan 7, after S0, the previous users.json.
  const std::string subscriptions =
      "[{\"id\": \"" + kSub + "\", \"name\": \"prod\", \"state\": \"Enabled\", \"tenantId\": \"" + kTenant + "\"}]";
  Snapshot("s0", "2027-01-02T00:00:00Z",
           {{"partners.csv", "partnerId,partnerName,level,globalPartnerId,state\n"
                             "7654321,Contoso,global,,active\n" + kPartner + ",Contoso Seattle,location,7654321,active\n"},
            {"users.json", User("")},
            {"groups.json", "[]"},
            {"subscriptions.json", subscriptions},
            {"roleAssignments.json",
             "[{\"name\": \"4a000000-0000-4000-8000-000000000001\", \"principalId\": \"" + kUser +
                 "\", \"principalType\": \"User\", \"roleDefinitionId\": "
                 "\"b24988ac-6180-42a0-ab88-20f7382dd24c\", \"roleDefinitionName\": \"Contributor\", \"scope\": "
                 "\"/subscriptions/" + kSub + "\", \"createdOn\": \"2026-06-02T00:00:00Z\"}]"},
            {"partnerLinks.json", "[{\"objectId\": \"" + kUser + "\", \"tenantId\": \"" + kTenant +
                                      "\", \"partnerId\": \"" + kPartner +
                                      "\", \"state\": \"Active\", \"createdTime\": \"2026-12-01T00:00:00Z\"}]"}});
  if (HasFatalFailure()) return;
  Snapshot("s1", "2027-01-15T00:00:00Z", {{"groups.json", "[]"}, {"subscriptions.json", subscriptions}});
  if (HasFatalFailure()) return;
  Snapshot("s2", "2027-01-30T00:00:00Z", {{"users.json", User(", \"deletedDateTime\": \"2027-01-07T00:00:00Z\"")}});
  if (HasFatalFailure()) return;

  // One FOCUS row of 1.00 a day, Jan 2 to Jan 29: only Jan 2-6 are credited (5 days).
  std::string usage =
      "BilledCost,BillingCurrency,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,EffectiveCost,ProviderName,"
      "ResourceId,SubAccountId\n";
  for (int day = 2; day <= 29; ++day) {
    auto date = [](int d) { return std::string("2027-01-") + (d < 10 ? "0" : "") + std::to_string(d); };
    usage += "1,USD,Usage," + date(day + 1) + " 00:00:00," + date(day) + " 00:00:00,1,Microsoft," + kResource +
             ",/subscriptions/" + kSub + "\n";
  }
  WriteFile(dir_ + "/usage.csv", usage);
  ProcessResult attribute = RunPal({"attribute", "--usage", dir_ + "/usage.csv", "--db", db_, "--output", "csv", "--quiet"});
  ASSERT_EQ(attribute.exit_code, 0) << attribute.err;
  EXPECT_EQ(attribute.out,
            "partnerId,partnerName,customerTenantId,subscriptionId,month,currency,adminType,usageRows,totalCost,"
            "attributedCost\n" +
                kPartner + ",Contoso Seattle," + kTenant + "," + kSub + ",2027-01,USD,Contributor,5,5,5\n")
      << "credit stops on Jan 7, the deletedDateTime; not on Jan 30 (S2's asOf)";

  auto explain = [&](const std::string& at) {
    ProcessResult r = RunPal({"explain", "--resource", kResource, "--at", at, "--db", db_, "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  };
  auto before = explain("2027-01-06T23:00:00Z");
  ASSERT_FALSE(before.is_discarded());
  EXPECT_EQ(before["creditedPartners"], nlohmann::json::array({kPartner})) << before.dump(2);
  auto after = explain("2027-01-07T00:00:00Z");
  ASSERT_FALSE(after.is_discarded());
  EXPECT_EQ(after["creditedPartners"], nlohmann::json::array()) << after.dump(2);
  EXPECT_EQ(after["reason"], std::string("IDENTITY_DISABLED")) << after.dump(2);
}

}  // namespace
}  // namespace openpal::testing
