// The reason codes (attribution.md "Unattributed cost and diagnostics"): one scenario per code, checked in order.
#include <gtest/gtest.h>

#include <functional>

#include "world.h"

namespace openpal::engine::testing {
namespace {

struct ReasonCase {
  const char* name;
  std::function<World()> world;
  usage::UsageRow row;
  const char* expected;  // reason code, or "" when credited
  RolePolicy policy = RolePolicy::All();
};

World WithAssignmentRole(std::string_view role) {
  World w = World::Standard();
  std::get<RoleAssignment>(w.facts.back().value).role_guid = std::string(role);
  return w;
}

TEST(Reasons, EachCodeIsTheFirstStepThatLeavesNothing) {
  const std::string sub_scope = std::string("/subscriptions/") + kSub;
  std::vector<ReasonCase> cases = {
      {"credited", [] { return World::Standard(); }, Row(kVm, "2026-02-01", "2026-02-02"), ""},
      {"no resource and no subscription", [] { return World::Standard(); }, Row("", "2026-02-01", "2026-02-02"),
       "NO_SCOPE"},
      {"reservation without subscription",
       [] { return World::Standard(); },
       Row("/providers/Microsoft.Capacity/reservationOrders/1/reservations/", "2026-02-01", "2026-02-02"), "NO_SCOPE"},
      {"AWS account in SubAccountId", [] { return World::Standard(); },
       Row("arn:aws:sqs:us-west-2:1:q", "2026-02-01", "2026-02-02", "10", "51738928782"), "NO_SCOPE"},
      {"before the subscription was known", [] { return World::Standard(); }, Row(kVm, "2025-12-01", "2025-12-02"),
       "UNKNOWN_SUBSCRIPTION"},
      {"subscription never seen", [] { return World::Standard(); },
       Row("/subscriptions/eeeeeeee-0000-4000-8000-000000000001/resourceGroups/x", "2026-02-01", "2026-02-02"),
       "UNKNOWN_SUBSCRIPTION"},
      {"role held by an unlinked principal",
       [] {
         World w = World::Standard();
         std::get<RoleAssignment>(w.facts.back().value).principal_id = kUser2;
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "NO_ACCESS"},
      {"role only outside the period",
       [] {
         World w = World::Standard();
         w.facts.back().valid = From("2026-03-01");
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "NO_ACCESS"},
      {"foreign group never resolves",
       [] {
         World w = World::Standard();
         auto& a = std::get<RoleAssignment>(w.facts.back().value);
         a.principal_type = AssigneeType::kForeignGroup;
         a.principal_id = kGroup;
         w.Member(kTenant, kGroup, kUser, From("2026-01-01"));
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "NO_ACCESS"},
      {"eligible Lighthouse authorization is not access",
       [] {
         World w;
         w.Placement(kSub, kTenant, From("2026-01-01"))
             .User(kManagingTenant, kUser, From("2026-01-01"))
             .Partner(kPartner, From("2026-01-01"))
             .Link(kManagingTenant, kUser, kPartner, From("2026-01-01"))
             .Lighthouse(std::string("/subscriptions/") + kSub, kManagingTenant, kUser, kContributorRole,
                         From("2026-01-01"), /*eligible=*/true);
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "NO_ACCESS"},
      {"link starts after the period",
       [] {
         World w = World::Standard();
         w.facts[3].valid = From("2026-03-01");
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "NO_ACTIVE_LINK"},
      {"principal disabled",
       [] {
         World w = World::Standard();
         w.facts[1].valid = From("2026-01-01", "2026-01-15");
         w.User(kTenant, kUser, From("2026-01-15"), /*enabled=*/false);
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "IDENTITY_DISABLED"},
      {"principal deleted (no fact then)",
       [] {
         World w = World::Standard();
         w.facts[1].valid = From("2026-01-01", "2026-01-15");
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "IDENTITY_DISABLED"},
      {"link to a global partner ID",
       [] {
         World w = World::Standard();
         std::get<openpal::Partner>(w.facts[2].value).level = PartnerLevel::kGlobal;
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "PARTNER_ID_INVALID"},
      {"link to a deleted partner ID",
       [] {
         World w = World::Standard();
         std::get<openpal::Partner>(w.facts[2].value).state = PartnerState::kDeleted;
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "PARTNER_ID_INVALID"},
      {"link to an unknown partner ID",
       [] {
         World w = World::Standard();
         std::get<PartnerLink>(w.facts[3].value).partner_id = "999";
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "PARTNER_ID_INVALID"},
      {"Reader under the pec policy", [] { return WithAssignmentRole(kReaderRole); }, Row(kVm, "2026-02-01", "2026-02-02"),
       "ROLE_NOT_ELIGIBLE", RolePolicy::Pec()},
      {"Reader under the all policy", [] { return WithAssignmentRole(kReaderRole); }, Row(kVm, "2026-02-01", "2026-02-02"),
       "", RolePolicy::All()},
      // The steps narrow the same moments: access only in the morning, the link only in the afternoon.
      {"access and link at different moments",
       [] {
         World w = World::Standard();
         w.facts[3].valid = From("2026-02-01T12:00:00Z");
         w.facts.back().valid = From("2026-01-01", "2026-02-01T12:00:00Z");
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "NO_ACTIVE_LINK"},
      {"enabled only while unlinked",
       [] {
         World w = World::Standard();
         w.facts[3].valid = From("2026-02-01T12:00:00Z");
         w.facts[1].valid = From("2026-01-01", "2026-02-01T12:00:00Z");
         w.User(kTenant, kUser, From("2026-02-01T12:00:00Z"), false);
         return w;
       },
       Row(kVm, "2026-02-01", "2026-02-02"), "IDENTITY_DISABLED"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto result = Attribute(c.world(), {c.row}, c.policy);
    if (std::string(c.expected).empty()) {
      EXPECT_EQ(result.report.size(), 1u);
      EXPECT_TRUE(result.unattributed.empty());
    } else {
      EXPECT_TRUE(result.report.empty());
      ASSERT_EQ(result.unattributed.size(), 1u);
      EXPECT_EQ(result.unattributed[0].reason, c.expected);
      EXPECT_EQ(result.unattributed[0].usage_rows, 1u);
      EXPECT_EQ(usage::FormatMoney(result.unattributed[0].total_cost), "10");
    }
    ASSERT_EQ(result.reconciliation.size(), 1u);
    EXPECT_TRUE(result.reconciliation[0].balances());
  }
}

TEST(Reasons, UnattributedGroupsPerSubscriptionMonthCurrencyAndReason) {
  World w = World::Standard();
  auto result = Attribute(w, {Row("", "2026-02-01", "2026-02-02", "1"), Row("", "2026-02-05", "2026-02-06", "2"),
                              Row("", "2026-03-01", "2026-03-02", "4"), Row(kVm, "2025-12-01", "2025-12-02", "8")});
  ASSERT_EQ(result.unattributed.size(), 3u);
  EXPECT_EQ(result.unattributed[0].subscription_id, "");
  EXPECT_EQ(result.unattributed[0].month, "2026-02");
  EXPECT_EQ(result.unattributed[0].usage_rows, 2u);
  EXPECT_EQ(usage::FormatMoney(result.unattributed[0].total_cost), "3");
  EXPECT_EQ(result.unattributed[2].subscription_id, kSub);
  EXPECT_EQ(result.unattributed[2].reason, "UNKNOWN_SUBSCRIPTION");
}

}  // namespace
}  // namespace openpal::engine::testing
