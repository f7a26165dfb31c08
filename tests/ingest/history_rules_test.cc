// One test per rule of spec "History: how snapshots become intervals", each with the expected intervals.
#include <gtest/gtest.h>

#include "snapshot_fixture.h"

namespace openpal::ingest::testing {
namespace {

const Timestamp kMax = Timestamp::Max();
const std::string kSubScope = "/subscriptions/" + kSub1;

TEST(HistoryRules, PresentFileIsTheCompleteTruthAndAMissingFactClosesAtAsOf) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "roleAssignments.json", Array({AssignmentJson(kRa1, kUser1, kSubScope)}));
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "roleAssignments.json", "[]");
  ASSERT_TRUE(w.Import("s1").ok());
  auto second = w.Import("s2");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->by_kind.at(FactKind::kRoleAssignment).closed, 1);
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kRoleAssignment), kRa1),
            (std::vector<Interval>{{T("2026-07-01"), T("2026-08-01")}}));
}

TEST(HistoryRules, AnAbsentFileLeavesItsKindUnchanged) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "roleAssignments.json", Array({AssignmentJson(kRa1, kUser1, kSubScope)}));
  w.Begin("s2", "2026-08-01T00:00:00Z");  // no roleAssignments.json
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kRoleAssignment), kRa1), (std::vector<Interval>{{T("2026-07-01"), kMax}}));
}

TEST(HistoryRules, AtTheFirstObservationAnyEarlierOwnTimestampStartsTheFact) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "roleAssignments.json",
               Array({AssignmentJson(kRa1, kUser1, kSubScope, "\"createdOn\": \"2025-03-04T05:06:07.123456+00:00\"")}));
  w.TenantFile("s1", kTenantA, "users.json",
               Array({UserJson(kUser1, "\"createdDateTime\": \"2024-01-02T03:04:05Z\"")}));
  ASSERT_TRUE(w.Import("s1").ok());
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kRoleAssignment), kRa1),
            (std::vector<Interval>{{T("2025-03-04T05:06:07.123456Z"), kMax}}));
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kPrincipal), kUser1),
            (std::vector<Interval>{{T("2024-01-02T03:04:05Z"), kMax}}));
}

TEST(HistoryRules, LaterOwnTimestampsCountOnlyBetweenThePreviousObservationAndAsOf) {
  SnapshotWorld w;
  const std::string ra2 = "4a000000-0000-4000-8000-000000000002";
  const std::string ra3 = "4a000000-0000-4000-8000-000000000003";
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "roleAssignments.json", "[]");
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "roleAssignments.json",
               Array({AssignmentJson(kRa1, kUser1, kSubScope, "\"createdOn\": \"2026-07-10T08:00:00Z\""),    // counts
                      AssignmentJson(ra2, kUser1, kSubScope, "\"createdOn\": \"2026-06-10T08:00:00Z\""),     // before s1
                      AssignmentJson(ra3, kUser1, kSubScope, "\"createdOn\": \"2026-08-05T08:00:00Z\"")}));  // after asOf
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  auto facts = w.Facts(FactKind::kRoleAssignment);
  EXPECT_EQ(IntervalsOf(facts, kRa1), (std::vector<Interval>{{T("2026-07-10T08:00:00Z"), kMax}}));
  EXPECT_EQ(IntervalsOf(facts, ra2), (std::vector<Interval>{{T("2026-08-01"), kMax}}));
  EXPECT_EQ(IntervalsOf(facts, ra3), (std::vector<Interval>{{T("2026-08-01"), kMax}}));
}

TEST(HistoryRules, AChangeUnderOneAssignmentNameIsANewFactFromItsCreatedOn) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "roleAssignments.json", Array({AssignmentJson(kRa1, kUser1, kSubScope)}));
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "roleAssignments.json",
               Array({AssignmentJson(kRa1, kUser2, kSubScope, "\"createdOn\": \"2026-07-20T00:00:00Z\"")}));
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kRoleAssignment), kRa1),
            (std::vector<Interval>{{T("2026-07-01"), T("2026-07-20")}, {T("2026-07-20"), kMax}}));
}

TEST(HistoryRules, DeletedDateTimeEndsThePrincipalWhenItFallsBetweenObservations) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "users.json", Array({UserJson(kUser1), UserJson(kUser2)}));
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "users.json",
               Array({UserJson(kUser1, "\"deletedDateTime\": \"2026-07-20T12:00:00Z\""),
                      UserJson(kUser2, "\"deletedDateTime\": \"2026-06-01T00:00:00Z\"")}));  // before s1: at asOf
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  auto facts = w.Facts(FactKind::kPrincipal);
  EXPECT_EQ(IntervalsOf(facts, kUser1), (std::vector<Interval>{{T("2026-07-01"), T("2026-07-20T12:00:00Z")}}));
  EXPECT_EQ(IntervalsOf(facts, kUser2), (std::vector<Interval>{{T("2026-07-01"), T("2026-08-01")}}));
}

TEST(HistoryRules, DisablingEndsTheEnabledFactAndStartsADisabledOneAtAsOf) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "users.json", Array({UserJson(kUser1, "\"accountEnabled\": true")}));
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "users.json", Array({UserJson(kUser1, "\"accountEnabled\": false")}));
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  auto facts = w.Facts(FactKind::kPrincipal);
  ASSERT_EQ(facts.size(), 2u);
  EXPECT_TRUE(std::get<Principal>(facts[0].value).enabled);
  EXPECT_EQ(facts[0].valid, (Interval{T("2026-07-01"), T("2026-08-01")}));
  EXPECT_FALSE(std::get<Principal>(facts[1].value).enabled);
  EXPECT_EQ(facts[1].valid, (Interval{T("2026-08-01"), kMax}));
}

TEST(HistoryRules, APrincipalFirstSeenDisabledOrDeletedWasNeverEnabled) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "users.json",
               Array({UserJson(kUser1, "\"accountEnabled\": false, \"createdDateTime\": \"2026-01-01T00:00:00Z\""),
                      UserJson(kUser2, "\"deletedDateTime\": \"2026-06-01T00:00:00Z\"")}));
  ASSERT_TRUE(w.Import("s1").ok());
  auto facts = w.Facts(FactKind::kPrincipal);
  // Disabled: one fact, never enabled, existing since it was created. Deleted: nothing at all.
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(FactKey(facts[0].value), kUser1);
  EXPECT_FALSE(std::get<Principal>(facts[0].value).enabled);
  EXPECT_EQ(facts[0].valid, (Interval{T("2026-01-01"), kMax}));
}

TEST(HistoryRules, AbsentAccountEnabledMeansEnabled) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "users.json", Array({UserJson(kUser1)}));
  ASSERT_TRUE(w.Import("s1").ok());
  auto facts = w.Facts(FactKind::kPrincipal);
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_TRUE(std::get<Principal>(facts[0].value).enabled);
}

TEST(HistoryRules, ALinkThatMovesEndsAndStartsAtTheSameInstant) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "partnerLinks.json",
               Array({LinkJson(kUser1, "1111", "Active", "2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z")}));
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "partnerLinks.json",
               Array({LinkJson(kUser1, "2222", "Active", "2026-05-01T00:00:00Z", "2026-07-15T09:00:00Z")}));
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  auto facts = w.Facts(FactKind::kPartnerLink);
  ASSERT_EQ(facts.size(), 2u);
  EXPECT_EQ(std::get<PartnerLink>(facts[0].value).partner_id, "1111");
  EXPECT_EQ(facts[0].valid, (Interval{T("2026-05-01"), T("2026-07-15T09:00:00Z")}));
  EXPECT_EQ(std::get<PartnerLink>(facts[1].value).partner_id, "2222");
  EXPECT_EQ(facts[1].valid, (Interval{T("2026-07-15T09:00:00Z"), kMax}));
  EXPECT_EQ(std::get<PartnerLink>(facts[1].value).source, LinkSource::kImport);
}

TEST(HistoryRules, ADeletedLinkEndsAtItsUpdatedTimeWhicheverPartnerItNames) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "partnerLinks.json",
               Array({LinkJson(kUser1, "1111", "Active", "2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z")}));
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "partnerLinks.json",
               Array({LinkJson(kUser1, "9999", "Deleted", "2026-05-01T00:00:00Z", "2026-07-03T00:00:00Z")}));
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kPartnerLink), kUser1),
            (std::vector<Interval>{{T("2026-05-01"), T("2026-07-03")}}));
}

TEST(HistoryRules, ALinkFirstSeenDeletedWasNeverActiveAndAMissingLinkEndsAtAsOf) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "partnerLinks.json",
               Array({LinkJson(kUser1, "1111", "Deleted", "2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z"),
                      LinkJson(kUser2, "1111", "Active", "2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z")}));
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "partnerLinks.json", "[]");
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  auto facts = w.Facts(FactKind::kPartnerLink);
  EXPECT_TRUE(IntervalsOf(facts, kUser1).empty());
  EXPECT_EQ(IntervalsOf(facts, kUser2), (std::vector<Interval>{{T("2026-05-01"), T("2026-08-01")}}));
}

TEST(HistoryRules, LinksOfAnotherTenantAreIgnored) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "partnerLinks.json",
               Array({LinkJson(kUser1, "1111", "Active", "2026-05-01T00:00:00Z", "2026-05-01T00:00:00Z", kTenantB)}));
  ASSERT_TRUE(w.Import("s1").ok());
  EXPECT_TRUE(w.Facts(FactKind::kPartnerLink).empty());
}

TEST(HistoryRules, AssumeSinceAppliesOnlyToKindsObservedTheFirstTime) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "groups.json",
               "{\"value\": [{\"id\": \"" + kGroup1 + "\", \"displayName\": \"Ops\", \"members\": [{\"id\": \"" + kUser1 +
                   "\", \"@odata.type\": \"#microsoft.graph.user\"}]}]}");
  ASSERT_TRUE(w.Import("s1").ok());
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "groups.json",
               "{\"value\": [{\"id\": \"" + kGroup1 + "\", \"displayName\": \"Ops\", \"members\": [{\"id\": \"" + kUser1 +
                   "\", \"@odata.type\": \"#microsoft.graph.user\"}, {\"id\": \"" + kUser2 +
                   "\", \"@odata.type\": \"#microsoft.graph.user\"}]}]}");
  // Subscriptions are observed for the first time in s2; an assignment with createdOn keeps its own time.
  w.TenantFile("s2", kTenantA, "subscriptions.json",
               "[{\"id\": \"" + kSub1 + "\", \"name\": \"Prod\", \"tenantId\": \"" + kTenantA + "\"}]");
  w.TenantFile("s2", kTenantA, "roleAssignments.json",
               Array({AssignmentJson(kRa1, kUser1, kSubScope, "\"createdOn\": \"2026-04-01T00:00:00Z\"")}));
  ReadOptions options;
  options.assume_since = T("2026-01-01");
  ASSERT_TRUE(w.Import("s2", options).ok());
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kSubscription), kSub1), (std::vector<Interval>{{T("2026-01-01"), kMax}}));
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kRoleAssignment), kRa1), (std::vector<Interval>{{T("2026-04-01"), kMax}}));
  // Memberships were observed before: the new member starts at asOf, not at --assume-since.
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kGroupMembership), kGroup1 + "/" + kUser2),
            (std::vector<Interval>{{T("2026-08-01"), kMax}}));
}

TEST(HistoryRules, AsOfFlagWinsOverSnapshotJson) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "roleAssignments.json", Array({AssignmentJson(kRa1, kUser1, kSubScope)}));
  ReadOptions options;
  options.as_of = T("2026-07-15T00:00:00Z");
  auto summary = w.Import("s1", options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->as_of, T("2026-07-15"));
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kRoleAssignment), kRa1), (std::vector<Interval>{{T("2026-07-15"), kMax}}));
}

TEST(HistoryRules, SubscriptionsOfAnotherTenantAreIgnoredAndUnplacedOnesSitUnderTheRootGroup) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z", {kTenantA, kTenantB});
  w.TenantFile("s1", kTenantA, "subscriptions.json",
               "[{\"id\": \"" + kSub1 + "\", \"name\": \"A1\", \"tenantId\": \"" + kTenantA + "\"}, {\"id\": \"" + kSub2 +
                   "\", \"name\": \"B-through-Lighthouse\", \"tenantId\": \"" + kTenantB + "\"}]");
  w.TenantFile("s1", kTenantB, "subscriptions.json",
               "[{\"id\": \"" + kSub2 + "\", \"name\": \"B2\", \"tenantId\": \"" + kTenantB + "\"}]");
  w.TenantFile("s1", kTenantB, "managementGroups.json",
               "{\"id\": \"/providers/Microsoft.Management/managementGroups/" + kTenantB + "\", \"name\": \"" + kTenantB +
                   "\", \"type\": \"Microsoft.Management/managementGroups\", \"displayName\": \"Tenant Root Group\", "
                   "\"children\": [{\"name\": \"platform\", \"type\": \"Microsoft.Management/managementGroups\", "
                   "\"children\": null}]}");
  auto summary = w.Import("s1");
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  auto subs = w.Facts(FactKind::kSubscription);
  ASSERT_EQ(subs.size(), 2u);
  for (const AnyFact& f : subs) {
    const auto& p = std::get<SubscriptionPlacement>(f.value);
    if (p.subscription_id == kSub1) {
      EXPECT_EQ(p.tenant_id, kTenantA);
      EXPECT_EQ(p.parent_group_id, kTenantA);  // no tree known: the root group is named after the tenant
    } else {
      EXPECT_EQ(p.tenant_id, kTenantB);
      EXPECT_EQ(p.display_name, "B2");
      EXPECT_EQ(p.parent_group_id, kTenantB);  // not placed in the tree: under the root group
    }
  }
  EXPECT_EQ(w.Facts(FactKind::kManagementGroup).size(), 2u);
}

TEST(HistoryRules, ASubscriptionListedByANewerObservationOfAnotherTenantMoves) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z", {kTenantA});
  w.TenantFile("s1", kTenantA, "subscriptions.json", "[{\"id\": \"" + kSub1 + "\", \"name\": \"Moving\"}]");
  w.Begin("s2", "2026-08-01T00:00:00Z", {kTenantB});  // tenant A is not in this snapshot at all
  w.TenantFile("s2", kTenantB, "subscriptions.json", "[{\"id\": \"" + kSub1 + "\", \"name\": \"Moving\"}]");
  ASSERT_TRUE(w.Import("s1").ok());
  auto second = w.Import("s2");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  auto subs = w.Facts(FactKind::kSubscription);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(std::get<SubscriptionPlacement>(subs[0].value).tenant_id, kTenantA);
  EXPECT_EQ(subs[0].valid, (Interval{T("2026-07-01"), T("2026-08-01")}));
  EXPECT_EQ(std::get<SubscriptionPlacement>(subs[1].value).tenant_id, kTenantB);
  EXPECT_EQ(subs[1].valid, (Interval{T("2026-08-01"), kMax}));
}

TEST(HistoryRules, AStaleListingOfASubscriptionHeldByANewerObservationIsRefused) {
  SnapshotWorld w;
  w.Begin("s2", "2026-08-01T00:00:00Z", {kTenantA});
  w.TenantFile("s2", kTenantA, "subscriptions.json", "[{\"id\": \"" + kSub1 + "\"}]");
  w.Begin("s1", "2026-07-01T00:00:00Z", {kTenantB});  // older, of another tenant, arriving later
  w.TenantFile("s1", kTenantB, "subscriptions.json", "[{\"id\": \"" + kSub1 + "\"}]");
  ASSERT_TRUE(w.Import("s2").ok());
  std::string before = w.Fingerprint();
  auto stale = w.Import("s1");
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.status().message().find("is held by tenant " + kTenantA), std::string::npos)
      << stale.status().ToString();
  EXPECT_EQ(w.Fingerprint(), before);
}

TEST(HistoryRules, AssumeSinceAlsoSpeaksForTheFirstPartnersCsvOnly) {
  SnapshotWorld w;
  const std::string header = "partnerId,partnerName,level,globalPartnerId,state\n";
  w.Write("s1", "snapshot.json", "{\"asOf\": \"2026-07-01T00:00:00Z\", \"assumeSince\": \"2026-04-01T00:00:00Z\"}");
  w.Write("s1", "partners.csv", header + "1000,Global,global,,active\n");
  w.Write("s2", "snapshot.json", "{\"asOf\": \"2026-08-01T00:00:00Z\", \"assumeSince\": \"2026-04-01T00:00:00Z\"}");
  w.Write("s2", "partners.csv", header + "1000,Global,global,,active\n1001,Loc,location,1000,active\n");
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  auto facts = w.Facts(FactKind::kPartner);
  EXPECT_EQ(IntervalsOf(facts, "1000"), (std::vector<Interval>{{T("2026-04-01"), kMax}}));
  EXPECT_EQ(IntervalsOf(facts, "1001"), (std::vector<Interval>{{T("2026-08-01"), kMax}}));
}

TEST(HistoryRules, AManagementGroupTreePlacesSubscriptionsAndAMoveInTheTreeChangesThePlacement) {
  SnapshotWorld w;
  auto tree = [](const std::string& mg_of_sub) {
    return "{\"id\": \"/providers/Microsoft.Management/managementGroups/" + kTenantA + "\", \"name\": \"" + kTenantA +
           "\", \"type\": \"Microsoft.Management/managementGroups\", \"children\": ["
           "{\"name\": \"prod\", \"type\": \"Microsoft.Management/managementGroups\", \"children\": [" +
           (mg_of_sub == "prod" ? "{\"name\": \"" + kSub1 + "\", \"type\": \"/subscriptions\"}" : std::string()) +
           "]}, {\"name\": \"dev\", \"type\": \"Microsoft.Management/managementGroups\", \"children\": [" +
           (mg_of_sub == "dev" ? "{\"name\": \"" + kSub1 + "\", \"type\": \"/subscriptions\"}" : std::string()) + "]}]}";
  };
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "subscriptions.json", "[{\"id\": \"" + kSub1 + "\", \"name\": \"S\"}]");
  w.TenantFile("s1", kTenantA, "managementGroups.json", tree("prod"));
  w.Begin("s2", "2026-08-01T00:00:00Z");
  w.TenantFile("s2", kTenantA, "managementGroups.json", tree("dev"));  // only the tree this time
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  auto subs = w.Facts(FactKind::kSubscription);
  ASSERT_EQ(subs.size(), 2u);
  EXPECT_EQ(std::get<SubscriptionPlacement>(subs[0].value).parent_group_id, "prod");
  EXPECT_EQ(subs[0].valid, (Interval{T("2026-07-01"), T("2026-08-01")}));
  EXPECT_EQ(std::get<SubscriptionPlacement>(subs[1].value).parent_group_id, "dev");
}

TEST(HistoryRules, ARegistrationAssignmentListedTwiceIsOneFact) {
  SnapshotWorld w;
  const std::string managing = kTenantB;
  std::string assignment =
      "{\"id\": \"/subscriptions/" + kSub1 +
      "/providers/Microsoft.ManagedServices/registrationAssignments/7a000000-0000-4000-8000-000000000001\", "
      "\"properties\": {\"registrationDefinition\": {\"properties\": {\"managedByTenantId\": \"" + managing +
      "\", \"authorizations\": [{\"principalId\": \"" + kGroup1 + "\", \"roleDefinitionId\": \"" + kContributor +
      "\"}], \"eligibleAuthorizations\": [{\"principalId\": \"" + kUser1 + "\", \"roleDefinitionId\": \"" + kContributor +
      "\", \"justInTimeAccessPolicy\": {\"multiFactorAuthProvider\": \"Azure\"}}]}}}}";
  w.Begin("s1", "2026-07-01T00:00:00Z", {kTenantA, kTenantB});
  w.TenantFile("s1", kTenantA, "registrationAssignments.json", "[" + assignment + "," + assignment + "]");
  w.TenantFile("s1", kTenantB, "registrationAssignments.json", "[" + assignment + "]");
  ASSERT_TRUE(w.Import("s1").ok());
  auto facts = w.Facts(FactKind::kLighthouseAuthorization);
  ASSERT_EQ(facts.size(), 2u);  // one permanent, one eligible
  const auto& permanent = std::get<LighthouseAuthorization>(facts[0].value);
  EXPECT_EQ(permanent.scope, "/subscriptions/" + kSub1);
  EXPECT_EQ(permanent.managing_tenant_id, managing);
  EXPECT_FALSE(permanent.eligible);
  EXPECT_TRUE(std::get<LighthouseAuthorization>(facts[1].value).eligible);
  // The second tenant stops listing it: still one fact, still open.
  w.Begin("s2", "2026-08-01T00:00:00Z", {kTenantA, kTenantB});
  w.TenantFile("s2", kTenantA, "registrationAssignments.json", "[" + assignment + "]");
  w.TenantFile("s2", kTenantB, "registrationAssignments.json", "[]");
  ASSERT_TRUE(w.Import("s2").ok());
  facts = w.Facts(FactKind::kLighthouseAuthorization);
  ASSERT_EQ(facts.size(), 2u);
  EXPECT_TRUE(facts[0].valid.open_ended());
  // Now only tenant B lists it: tenant A's fact ends and B's starts at the same asOf.
  w.Begin("s3", "2026-09-01T00:00:00Z", {kTenantA, kTenantB});
  w.TenantFile("s3", kTenantA, "registrationAssignments.json", "[]");
  w.TenantFile("s3", kTenantB, "registrationAssignments.json", "[" + assignment + "]");
  ASSERT_TRUE(w.Import("s3").ok());
  facts = w.Facts(FactKind::kLighthouseAuthorization);
  ASSERT_EQ(facts.size(), 4u);
  EXPECT_EQ(facts[0].valid, (Interval{T("2026-07-01"), T("2026-09-01")}));
  EXPECT_EQ(FactTenant(facts[2].value), kTenantB);
  EXPECT_EQ(facts[2].valid, (Interval{T("2026-09-01"), kMax}));
}

TEST(HistoryRules, ForeignGroupAssigneesAreKept) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "roleAssignments.json",
               "[{\"name\": \"" + kRa1 + "\", \"principalId\": \"" + kGroup1 +
                   "\", \"principalType\": \"ForeignGroup\", \"roleDefinitionId\": \"" + kContributor +
                   "\", \"scope\": \"" + kSubScope + "\"}]");
  ASSERT_TRUE(w.Import("s1").ok());
  auto facts = w.Facts(FactKind::kRoleAssignment);
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(std::get<RoleAssignment>(facts[0].value).principal_type, AssigneeType::kForeignGroup);
  EXPECT_EQ(std::get<RoleAssignment>(facts[0].value).role_guid, kContributor);  // a bare GUID is accepted
}

TEST(HistoryRules, ACustomRoleDefinitionIsImported) {
  SnapshotWorld w;
  w.Begin("s1", "2026-07-01T00:00:00Z");
  w.TenantFile("s1", kTenantA, "roleDefinitions.json",
               "[{\"name\": \"9A000000-0000-4000-8000-000000000001\", \"roleName\": \"Cost Reader\", \"roleType\": "
               "\"CustomRole\"}, {\"name\": \"" + kContributor + "\", \"roleName\": \"Contributor\", \"roleType\": "
               "\"BuiltInRole\"}]");
  ASSERT_TRUE(w.Import("s1").ok());
  auto facts = w.Facts(FactKind::kCustomRole);
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(std::get<CustomRole>(facts[0].value).role_guid, "9a000000-0000-4000-8000-000000000001");
  EXPECT_EQ(std::get<CustomRole>(facts[0].value).role_name, "Cost Reader");
}

TEST(HistoryRules, PartnersCsvRowsOpenAndADeletedStateIsANewValue) {
  SnapshotWorld w;
  w.Write("s1", "snapshot.json", "{\"asOf\": \"2026-07-01T00:00:00Z\"}");
  w.Write("s1", "partners.csv",
          "partnerId,partnerName,level,globalPartnerId,state\n1000,Global,global,,active\n1001,Loc,location,1000,active\n");
  w.Write("s2", "snapshot.json", "{\"asOf\": \"2026-08-01T00:00:00Z\"}");
  w.Write("s2", "partners.csv",
          "partnerId,partnerName,level,globalPartnerId,state\n1000,Global,global,,active\n1001,Loc,location,1000,deleted\n");
  ASSERT_TRUE(w.Import("s1").ok());
  ASSERT_TRUE(w.Import("s2").ok());
  auto facts = w.Facts(FactKind::kPartner);
  EXPECT_EQ(IntervalsOf(facts, "1000"), (std::vector<Interval>{{T("2026-07-01"), kMax}}));
  EXPECT_EQ(IntervalsOf(facts, "1001"),
            (std::vector<Interval>{{T("2026-07-01"), T("2026-08-01")}, {T("2026-08-01"), kMax}}));
}

}  // namespace
}  // namespace openpal::ingest::testing
