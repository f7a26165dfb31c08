// Crediting rules (attribution.md "When a partner is credited", "The report"): one scenario per rule, exact figures.
#include <gtest/gtest.h>

#include "engine/report_writer.h"
#include "world.h"

namespace openpal::engine::testing {
namespace {

using usage::FormatMoney;

TEST(Crediting, LinkedContributorOnSubscriptionIsCreditedInFullWithItsAdminType) {
  auto result = Attribute(World::Standard(), {Row(kVm, "2026-02-01", "2026-02-02", "10.25")});
  ASSERT_EQ(result.report.size(), 1u);
  const auto& r = result.report[0];
  EXPECT_EQ(r.partner_id, kPartner);
  EXPECT_EQ(r.partner_name, "Contoso, Seattle");
  EXPECT_EQ(r.customer_tenant_id, kTenant);
  EXPECT_EQ(r.subscription_id, kSub);
  EXPECT_EQ(r.month, "2026-02");
  EXPECT_EQ(r.currency, "USD");
  EXPECT_EQ(r.admin_type, "Contributor");
  EXPECT_EQ(r.usage_rows, 1u);
  EXPECT_EQ(FormatMoney(r.total_cost), "10.25");
  EXPECT_EQ(FormatMoney(r.attributed_cost), "10.25");
}

TEST(Crediting, ProRataOverThePartOfTheChargePeriodWithAQualifyingPath) {
  // The link ends at 06:00 of a one-day row: 6/24 of 10 = 2.5.
  World w;
  w.Placement(kSub, kTenant, From("2026-01-01"))
      .User(kTenant, kUser, From("2026-01-01"))
      .Partner(kPartner, From("2026-01-01"))
      .Link(kTenant, kUser, kPartner, From("2026-01-01", "2026-02-01T06:00:00Z"))
      .Assign(kTenant, std::string("/subscriptions/") + kSub, kUser, kContributorRole, From("2026-01-01"));
  auto result = Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02", "10")});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(FormatMoney(result.report[0].total_cost), "10");
  EXPECT_EQ(FormatMoney(result.report[0].attributed_cost), "2.5");
}

TEST(Crediting, SeveralPathsOfOnePartnerCountOnceOverTheirUnion) {
  // Path A holds 00:00–12:00, path B 06:00–18:00: union 18h of 24 = 0.75 of 8 = 6, not 9 + 9.
  World w;
  w.Placement(kSub, kTenant, From("2026-01-01"))
      .User(kTenant, kUser, From("2026-01-01"))
      .Partner(kPartner, From("2026-01-01"))
      .Link(kTenant, kUser, kPartner, From("2026-01-01"))
      .Assign(kTenant, std::string("/subscriptions/") + kSub, kUser, kContributorRole,
              From("2026-01-01", "2026-02-01T12:00:00Z"))
      .Assign(kTenant, std::string("/subscriptions/") + kSub + "/resourceGroups/RG1", kUser, kOwnerRole,
              From("2026-02-01T06:00:00Z", "2026-02-01T18:00:00Z"));
  auto result = Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02", "8")});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(FormatMoney(result.report[0].attributed_cost), "6");
  // AdminType: Owner held at some moment of the period, and Owner ranks first.
  EXPECT_EQ(result.report[0].admin_type, "Owner");
}

TEST(Crediting, TwoPartnersOnOneResourceAreEachCreditedInFull) {
  World w = World::Standard();
  w.User(kTenant, kUser2, From("2026-01-01"))
      .Partner(kPartner2, From("2026-01-01"))
      .Link(kTenant, kUser2, kPartner2, From("2026-01-01"))
      .Assign(kTenant, kVm, kUser2, kReaderRole, From("2026-01-01"));
  auto result = Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02", "10")});
  ASSERT_EQ(result.report.size(), 2u);
  EXPECT_EQ(result.report[0].partner_id, kPartner);
  EXPECT_EQ(FormatMoney(result.report[0].attributed_cost), "10");
  EXPECT_EQ(result.report[1].partner_id, kPartner2);
  EXPECT_EQ(result.report[1].admin_type, "Reader");
  EXPECT_EQ(FormatMoney(result.report[1].attributed_cost), "10");
  ASSERT_EQ(result.reconciliation.size(), 1u);
  EXPECT_EQ(FormatMoney(result.reconciliation[0].read), "10");
  EXPECT_EQ(FormatMoney(result.reconciliation[0].attributed), "20");  // influence credit may exceed cost
}

TEST(Crediting, AdminTypePriorityOwnerThenContributorThenUserAccessAdministratorThenByName) {
  struct Case {
    std::vector<std::string_view> roles;
    const char* expected;
  } cases[] = {
      {{kContributorRole, kOwnerRole}, "Owner"},
      {{kReaderRole, kContributorRole}, "Contributor"},
      {{kReaderRole, kUserAccessAdministratorRole}, "User Access Administrator"},
      {{kReaderRole, "cfd33db0-3dd1-45e3-aa9d-cdbdf3b6f24e"}, "Reader"},  // Reader < Support Request Contributor
  };
  for (const auto& c : cases) {
    World w;
    w.Placement(kSub, kTenant, From("2026-01-01"))
        .User(kTenant, kUser, From("2026-01-01"))
        .Partner(kPartner, From("2026-01-01"))
        .Link(kTenant, kUser, kPartner, From("2026-01-01"));
    for (auto role : c.roles) w.Assign(kTenant, kVm, kUser, role, From("2026-01-01"));
    auto result = Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02")});
    ASSERT_EQ(result.report.size(), 1u);
    EXPECT_EQ(result.report[0].admin_type, c.expected);
  }
}

TEST(Crediting, RoleNameFallsBackToCustomRoleThenExportedNameThenGuid) {
  const char* custom = "90000000-0000-4000-8000-000000000014";
  const char* unknown = "90000000-0000-4000-8000-000000000099";
  const char* named = "90000000-0000-4000-8000-000000000098";
  World w;
  w.Placement(kSub, kTenant, From("2026-01-01"))
      .User(kTenant, kUser, From("2026-01-01"))
      .Partner(kPartner, From("2026-01-01"))
      .Link(kTenant, kUser, kPartner, From("2026-01-01"))
      .CustomRoleName(kTenant, custom, "Woodgrove Cost Reader", From("2026-01-01"))
      .Assign(kTenant, kVm, kUser, custom, From("2026-01-01"), AssigneeType::kUser, "ignored export name");
  EXPECT_EQ(Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02")}).report.at(0).admin_type, "Woodgrove Cost Reader");
  World w2 = w;
  w2.facts.pop_back();
  w2.Assign(kTenant, kVm, kUser, named, From("2026-01-01"), AssigneeType::kUser, "Exported Name");
  EXPECT_EQ(Attribute(w2, {Row(kVm, "2026-02-01", "2026-02-02")}).report.at(0).admin_type, "Exported Name");
  World w3 = w;
  w3.facts.pop_back();
  w3.Assign(kTenant, kVm, kUser, unknown, From("2026-01-01"));
  EXPECT_EQ(Attribute(w3, {Row(kVm, "2026-02-01", "2026-02-02")}).report.at(0).admin_type, unknown);
}

TEST(Crediting, NestedGroupMembershipGivesAccessWhileEveryEdgeHolds) {
  // Role on group G1; user in G2 (all the time), G2 in G1 only until 12:00: half of the day.
  World w;
  w.Placement(kSub, kTenant, From("2026-01-01"))
      .User(kTenant, kUser, From("2026-01-01"))
      .Partner(kPartner, From("2026-01-01"))
      .Link(kTenant, kUser, kPartner, From("2026-01-01"))
      .Member(kTenant, kGroup2, kUser, From("2026-01-01"))
      .Member(kTenant, kGroup, kGroup2, From("2026-01-01", "2026-02-01T12:00:00Z"))
      .Member(kTenant, kGroup2, kGroup, From("2026-01-01"))  // a cycle, tolerated
      .Assign(kTenant, std::string("/subscriptions/") + kSub, kGroup, kContributorRole, From("2026-01-01"),
              AssigneeType::kGroup);
  auto result = Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02", "4")});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(FormatMoney(result.report[0].attributed_cost), "2");
}

TEST(Crediting, ManagementGroupAssignmentCountsWhileTheTreePlacesTheSubscriptionUnderIt) {
  // Sub under mg-child (parent mg-top) all along; mg-child moves out from under mg-top at 18:00. Role on mg-top.
  World w;
  w.Placement(kSub, kTenant, From("2026-01-01"), "mg-child")
      .Group(kTenant, "mg-child", "mg-top", From("2026-01-01", "2026-02-01T18:00:00Z"))
      .Group(kTenant, "mg-child", kTenant, From("2026-02-01T18:00:00Z"))
      .Group(kTenant, "mg-top", kTenant, From("2026-01-01"))
      .User(kTenant, kUser, From("2026-01-01"))
      .Partner(kPartner, From("2026-01-01"))
      .Link(kTenant, kUser, kPartner, From("2026-01-01"))
      .Assign(kTenant, "/providers/Microsoft.Management/managementGroups/MG-TOP", kUser, kOwnerRole, From("2026-01-01"));
  auto result = Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02", "8")});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(FormatMoney(result.report[0].attributed_cost), "6");
  EXPECT_EQ(result.report[0].admin_type, "Owner");
}

TEST(Crediting, RootScopeAndTenantRootGroupAssignmentsCover) {
  World w;
  w.Placement(kSub, kTenant, From("2026-01-01"))
      .User(kTenant, kUser, From("2026-01-01"))
      .Partner(kPartner, From("2026-01-01"))
      .Link(kTenant, kUser, kPartner, From("2026-01-01"))
      .Assign(kTenant, "/", kUser, kOwnerRole, From("2026-01-01"));
  EXPECT_EQ(Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02")}).report.size(), 1u);
  World w2 = w;
  w2.facts.pop_back();
  w2.Assign(kTenant, std::string("/providers/Microsoft.Management/managementGroups/") + kTenant, kUser, kOwnerRole,
            From("2026-01-01"));
  EXPECT_EQ(Attribute(w2, {Row(kVm, "2026-02-01", "2026-02-02")}).report.size(), 1u);
}

TEST(Crediting, LighthousePermanentAuthorizationThroughAManagingTenantGroupCredits) {
  World w;
  w.Placement(kSub, kTenant, From("2026-01-01"))
      .User(kManagingTenant, kUser, From("2026-01-01"))
      .Partner(kPartner, From("2026-01-01"))
      .Link(kManagingTenant, kUser, kPartner, From("2026-01-01"))
      .Member(kManagingTenant, kGroup, kUser, From("2026-01-01"))
      .Lighthouse(std::string("/subscriptions/") + kSub, kManagingTenant, kGroup, kContributorRole, From("2026-01-01"));
  auto result = Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02")});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(result.report[0].customer_tenant_id, kTenant);
  EXPECT_EQ(result.report[0].admin_type, "Contributor");
}

TEST(Crediting, CustomerTenantIsFixedAtTheStartOfTheChargePeriod) {
  // The subscription moves to another tenant at 12:00; the row stays with the first tenant and its paths.
  World w = World::Standard();
  w.facts[0].valid = From("2026-01-01", "2026-02-01T12:00:00Z");
  w.Placement(kSub, kOtherTenant, From("2026-02-01T12:00:00Z"));
  auto result = Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02", "10")});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(result.report[0].customer_tenant_id, kTenant);
  EXPECT_EQ(FormatMoney(result.report[0].attributed_cost), "10");
  // A row starting after the move belongs to the other tenant, where nobody has access.
  auto later = Attribute(w, {Row(kVm, "2026-02-02", "2026-02-03", "10")});
  EXPECT_TRUE(later.report.empty());
  ASSERT_EQ(later.unattributed.size(), 1u);
  EXPECT_EQ(later.unattributed[0].reason, "NO_ACCESS");
}

TEST(Crediting, EmptyChargePeriodIsCreditedInFullWhenAPathQualifiesAtItsStart) {
  auto result = Attribute(World::Standard(), {Row(kVm, "2026-02-01T05:00:00Z", "2026-02-01T05:00:00Z", "3")});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(FormatMoney(result.report[0].attributed_cost), "3");
  auto before = Attribute(World::Standard(), {Row(kVm, "2025-12-31T05:00:00Z", "2025-12-31T05:00:00Z", "3")});
  EXPECT_TRUE(before.report.empty());
}

TEST(Crediting, IntervalsAreHalfOpen) {
  // Access ends exactly when the row starts: nothing; starts exactly when the row ends: nothing.
  World w = World::Standard();
  w.facts.back().valid = From("2026-01-01", "2026-02-01");
  EXPECT_TRUE(Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02")}).report.empty());
  w.facts.back().valid = From("2026-02-02");
  EXPECT_TRUE(Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02")}).report.empty());
}

TEST(Crediting, ScopesCompareCaseInsensitivelyByWholeSegment) {
  World w;
  w.Placement(kSub, kTenant, From("2026-01-01"))
      .User(kTenant, kUser, From("2026-01-01"))
      .Partner(kPartner, From("2026-01-01"))
      .Link(kTenant, kUser, kPartner, From("2026-01-01"))
      .Assign(kTenant, std::string("/subscriptions/") + kSub + "/resourceGroups/RG1", kUser, kOwnerRole,
              From("2026-01-01"));
  std::string lower = std::string("/subscriptions/") + kSub + "/resourcegroups/rg1/providers/microsoft.compute/vm/x";
  std::string rg10 = std::string("/subscriptions/") + kSub + "/resourceGroups/rg10/providers/Microsoft.Compute/vm/x";
  auto result = Attribute(w, {Row(lower, "2026-02-01", "2026-02-02"), Row(rg10, "2026-02-01", "2026-02-02")});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(result.report[0].usage_rows, 1u);
  ASSERT_EQ(result.unattributed.size(), 1u);
  EXPECT_EQ(result.unattributed[0].reason, "NO_ACCESS");
}

TEST(Crediting, SubscriptionColumnIsTheScopeWhenTheResourceIdNamesNone) {
  std::string reservation = "/providers/Microsoft.Capacity/reservationOrders/49ed0e4d-8e0c-4f1f-af2c-67c865056615/reservations/";
  auto result = Attribute(World::Standard(),
                          {Row(reservation, "2026-02-01", "2026-02-02", "1", kSub),
                           Row("", "2026-02-01", "2026-02-02", "1", std::string("/subscriptions/") + kSub)});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(result.report[0].usage_rows, 2u);
}

TEST(Crediting, SubscriptionColumnIsIgnoredWhenTheResourceIdNamesASubscription) {
  auto result = Attribute(World::Standard(),
                          {Row(kVm, "2026-02-01", "2026-02-02", "1", "ffffffff-0000-4000-8000-000000000009")});
  ASSERT_EQ(result.report.size(), 1u);
  EXPECT_EQ(result.report[0].subscription_id, kSub);
}

TEST(Crediting, ReportIsSortedByPlainTextOfEachKeyColumnAndGroupsPerMonthAndCurrency) {
  World w = World::Standard();
  w.Partner("500097", From("2026-01-01")).Partner("4100001", From("2026-01-01"));
  w.User(kTenant, kUser2, From("2026-01-01")).Link(kTenant, kUser2, "500097", From("2026-01-01"));
  w.Assign(kTenant, kVm, kUser2, kOwnerRole, From("2026-01-01"));
  auto result = Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02", "1", "", "USD"),
                              Row(kVm, "2026-03-01", "2026-03-02", "2", "", "EUR"),
                              Row(kVm, "2026-02-03", "2026-02-04", "3", "", "USD")});
  ASSERT_EQ(result.report.size(), 4u);
  EXPECT_EQ(result.report[0].partner_id, kPartner);  // "1000001" < "500097"
  EXPECT_EQ(result.report[0].month, "2026-02");
  EXPECT_EQ(result.report[0].usage_rows, 2u);
  EXPECT_EQ(FormatMoney(result.report[0].total_cost), "4");
  EXPECT_EQ(result.report[1].month, "2026-03");
  EXPECT_EQ(result.report[1].currency, "EUR");
  EXPECT_EQ(result.report[2].partner_id, "500097");
  std::ostringstream csv;
  WriteReport(result, OutputFormat::kCsv, csv);
  EXPECT_EQ(csv.str().substr(0, csv.str().find('\n')),
            "partnerId,partnerName,customerTenantId,subscriptionId,month,currency,adminType,usageRows,totalCost,"
            "attributedCost");
  EXPECT_NE(csv.str().find("\"Contoso, Seattle\""), std::string::npos);  // quoted name
}

TEST(Crediting, RolePolicyFileAndPecRestrictWhichRolesCarryCredit) {
  World w = World::Standard();
  w.facts.back() = AnyFact{99, RoleAssignment{kTenant, "a", kVm, kUser, AssigneeType::kUser,
                                              std::string(kReaderRole), "Reader"},
                           From("2026-01-01")};
  EXPECT_EQ(Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02")}, RolePolicy::All()).report.size(), 1u);
  EXPECT_TRUE(Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02")}, RolePolicy::Pec()).report.empty());
  auto file = RolePolicy::FromText(std::string("# readers too\n") + std::string(kReaderRole) + "\n", "policy.txt");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(Attribute(w, {Row(kVm, "2026-02-01", "2026-02-02")}, *file).report.size(), 1u);
}

}  // namespace
}  // namespace openpal::engine::testing
