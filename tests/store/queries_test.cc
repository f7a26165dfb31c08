// The directory queries on one hand-built history: nested groups with a cycle, a subscription that moves
// management group and then tenant, a tree that changes under it, and assignments at every level.
#include "store/queries.h"

#include "store_test_util.h"

namespace openpal::testing {
namespace {

const std::string kT1 = "11111111-1111-1111-1111-111111111111";
const std::string kT2 = "22222222-2222-2222-2222-222222222222";
const std::string kSub = "33333333-3333-3333-3333-333333333333";
const std::string kSubScope = "/subscriptions/" + kSub;
const std::string kVm = kSubScope + "/resourceGroups/RG1/providers/Microsoft.Compute/virtualMachines/vm1";
const Timestamp kEnd = Timestamp::Max();

std::string MgScope(const std::string& id) { return "/providers/Microsoft.Management/managementGroups/" + id; }

class QueriesTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    auto tx = store_->BeginImport();
    ASSERT_TRUE(tx.ok());
    auto add = [&](const FactValue& v, Timestamp from, Timestamp to) {
      auto id = (*tx)->Insert(v, Interval{from, to});
      EXPECT_TRUE(id.ok()) << id.status().ToString();
      return id.ok() ? *id : 0;
    };
    // Groups of T1: user u in g1 over [0,10) and [20,30); g1 in g2 over [5,25); g2 in g3 and g3 in g2 (a cycle).
    add(GroupMembership{kT1, "g1", "u", PrincipalKind::kUser}, Day(0), Day(10));
    add(GroupMembership{kT1, "g1", "u", PrincipalKind::kUser}, Day(20), Day(30));
    add(GroupMembership{kT1, "g2", "g1", PrincipalKind::kGroup}, Day(5), Day(25));
    add(GroupMembership{kT1, "g3", "g2", PrincipalKind::kGroup}, Day(0), kEnd);
    add(GroupMembership{kT1, "g2", "g3", PrincipalKind::kGroup}, Day(0), kEnd);
    add(GroupMembership{kT2, "g9", "u", PrincipalKind::kUser}, Day(0), kEnd);  // another tenant's group

    // T1's tree: root (named after the tenant) > Corp > Finance; at day 20 Finance moves under the root.
    add(ManagementGroup{kT1, kT1, "Tenant Root Group", ""}, Day(0), kEnd);
    add(ManagementGroup{kT1, "Corp", "Corp", kT1}, Day(0), kEnd);
    add(ManagementGroup{kT1, "Finance", "Finance", "Corp"}, Day(0), Day(20));
    add(ManagementGroup{kT1, "Finance", "Finance", kT1}, Day(20), kEnd);
    // The subscription: in T1 under Finance [0,25), under Corp [25,30); nobody's [30,32); T2's (no tree) from 32.
    add(SubscriptionPlacement{kSub, kT1, "Prod", "Finance"}, Day(0), Day(25));
    add(SubscriptionPlacement{kSub, kT1, "Prod", "Corp"}, Day(25), Day(30));
    add(SubscriptionPlacement{kSub, kT2, "Prod", ""}, Day(32), kEnd);
    add(SubscriptionPlacement{"44444444-4444-4444-4444-444444444444", kT1, "Other", "Corp"}, Day(0), kEnd);

    auto ra = [&](const TenantId& t, const std::string& name, const std::string& scope, Timestamp from) {
      ids_[name] = add(RoleAssignment{t, name, scope, "p", AssigneeType::kUser, "g", "Reader"}, from, kEnd);
    };
    ra(kT1, "root", "/", Day(0));
    ra(kT1, "corp", MgScope("Corp"), Day(0));
    ra(kT1, "finance", "/providers/microsoft.management/managementgroups/FINANCE", Day(0));
    ra(kT1, "sub", kSubScope, Day(5));
    ra(kT1, "rg1", kSubScope + "/resourceGroups/rg1", Day(0));
    ra(kT1, "rg10", kSubScope + "/resourceGroups/rg10", Day(0));
    ra(kT1, "vm", kVm, Day(0));
    ra(kT1, "other-sub", "/subscriptions/44444444-4444-4444-4444-444444444444", Day(0));
    ra(kT2, "t2-sub", kSubScope, Day(0));
    ra(kT2, "t2-root", "/", Day(35));

    auto lh = [&](const std::string& name, const std::string& scope, Timestamp from) {
      ids_[name] = add(LighthouseAuthorization{kT1, scope + "/providers/Microsoft.ManagedServices/registrationAssignments/" + name,
                                               scope, kT2, "p", "Ops", "g", false},
                       from, kEnd);
    };
    lh("lh-sub", kSubScope, Day(0));
    lh("lh-rg1", kSubScope + "/resourceGroups/RG1", Day(10));
    lh("lh-rg10", kSubScope + "/resourceGroups/rg10", Day(0));
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  // The pieces of validity per assignment name.
  std::map<std::string, std::vector<Interval>> ByName(const std::vector<Fact<RoleAssignment>>& facts) {
    std::map<std::string, std::vector<Interval>> out;
    for (const auto& f : facts) {
      EXPECT_EQ(f.id, ids_[f.value.assignment_name]);
      out[f.value.assignment_name].push_back(f.valid);
    }
    return out;
  }

  std::map<std::string, int64_t> ids_;
};

TEST_F(QueriesTest, TransitiveGroupsFollowNestingOverTimeThroughACycle) {
  auto g = TransitiveGroupsOf(*store_, kT1, "u", Interval{Day(0), Day(40)});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->size(), 3u) << "g1, g2, g3; not T2's g9";
  EXPECT_EQ(g->at("g1"), IntervalSet(std::vector<Interval>{{Day(0), Day(10)}, {Day(20), Day(30)}}));
  // g2 and g3 hold only while both u ∈ g1 and g1 ∈ g2 hold: [5,10) and [20,25).
  IntervalSet nested(std::vector<Interval>{{Day(5), Day(10)}, {Day(20), Day(25)}});
  EXPECT_EQ(g->at("g2"), nested);
  EXPECT_EQ(g->at("g3"), nested);
}

TEST_F(QueriesTest, TransitiveGroupsAreClippedToTheWindow) {
  auto g = TransitiveGroupsOf(*store_, kT1, "u", Interval{Day(8), Day(22)});
  ASSERT_TRUE(g.ok());
  IntervalSet clipped(std::vector<Interval>{{Day(8), Day(10)}, {Day(20), Day(22)}});
  EXPECT_EQ(g->at("g1"), clipped);
  EXPECT_EQ(g->at("g2"), clipped);
  auto none = TransitiveGroupsOf(*store_, kT1, "u", Interval{Day(12), Day(18)});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty()) << "u is in no group between its two g1 memberships";
}

TEST_F(QueriesTest, SubscriptionAncestrySplitsWhereTenantPlacementOrTreeChanges) {
  auto segs = SubscriptionAncestryOf(*store_, kSub, Interval{Day(0), Day(40)});
  ASSERT_TRUE(segs.ok()) << segs.status().ToString();
  ASSERT_EQ(segs->size(), 4u);
  using V = std::vector<std::string>;
  EXPECT_EQ((*segs)[0].valid, (Interval{Day(0), Day(20)}));
  EXPECT_EQ((*segs)[0].tenant_id, kT1);
  EXPECT_EQ((*segs)[0].management_groups, (V{"Finance", "Corp", kT1}));
  EXPECT_EQ((*segs)[1].valid, (Interval{Day(20), Day(25)})) << "the tree changed under the subscription";
  EXPECT_EQ((*segs)[1].management_groups, (V{"Finance", kT1}));
  EXPECT_EQ((*segs)[2].valid, (Interval{Day(25), Day(30)})) << "the subscription moved group";
  EXPECT_EQ((*segs)[2].management_groups, (V{"Corp", kT1}));
  EXPECT_EQ((*segs)[3].valid, (Interval{Day(32), Day(40)})) << "a gap where nobody held it, then T2";
  EXPECT_EQ((*segs)[3].tenant_id, kT2);
  EXPECT_EQ((*segs)[3].management_groups, (V{kT2})) << "no tree known: the root named after the tenant";
}

TEST_F(QueriesTest, SubscriptionAncestryOfAnUnknownSubscriptionIsEmpty) {
  auto segs = SubscriptionAncestryOf(*store_, "55555555-5555-5555-5555-555555555555", Interval{Day(0), Day(40)});
  ASSERT_TRUE(segs.ok());
  EXPECT_TRUE(segs->empty());
}

TEST_F(QueriesTest, AssignmentsOnChainApplyWhileTheirScopeIsAnAncestor) {
  auto vm = Scope::Parse(kVm);
  ASSERT_TRUE(vm.ok());
  auto found = AssignmentsOnChain(*store_, *vm, Interval{Day(0), Day(40)});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  auto by = ByName(*found);
  using V = std::vector<Interval>;
  EXPECT_EQ(by["root"], (V{{Day(0), Day(30)}})) << "T1's root while T1 held the subscription";
  EXPECT_EQ(by["corp"], (V{{Day(0), Day(20)}, {Day(25), Day(30)}})) << "not while Finance sat under the root";
  EXPECT_EQ(by["finance"], (V{{Day(0), Day(25)}})) << "MG ids compare case-insensitively";
  EXPECT_EQ(by["sub"], (V{{Day(5), Day(30)}}));
  EXPECT_EQ(by["rg1"], (V{{Day(0), Day(30)}})) << "rg1 covers RG1";
  EXPECT_EQ(by["vm"], (V{{Day(0), Day(30)}})) << "the resource itself";
  EXPECT_EQ(by["t2-sub"], (V{{Day(32), Day(40)}})) << "T2's assignment counts only once T2 holds it";
  EXPECT_EQ(by["t2-root"], (V{{Day(35), Day(40)}}));
  EXPECT_EQ(by.count("rg10"), 0u) << "a sibling rg10 is not an ancestor of rg1";
  EXPECT_EQ(by.count("other-sub"), 0u);
  EXPECT_EQ(by.size(), 8u);
}

TEST_F(QueriesTest, AssignmentsOnChainOfAResourceGroupInANarrowWindow) {
  auto rg = Scope::Parse(kSubScope + "/resourcegroups/RG1");
  ASSERT_TRUE(rg.ok());
  auto found = AssignmentsOnChain(*store_, *rg, Interval{Day(21), Day(22)});
  ASSERT_TRUE(found.ok());
  auto by = ByName(*found);
  EXPECT_EQ(by.size(), 4u) << "root, finance, sub, rg1; not corp (Finance under the root), not vm (below)";
  EXPECT_EQ(by.count("corp"), 0u);
  EXPECT_EQ(by.count("vm"), 0u);
  EXPECT_EQ(by["rg1"], (std::vector<Interval>{{Day(21), Day(22)}}));
}

TEST_F(QueriesTest, AssignmentsOnChainOfAManagementGroupUseItsTenantsTree) {
  auto found = AssignmentsOnChain(*store_, Scope::ForManagementGroup("finance"), Interval{Day(0), Day(40)});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  auto by = ByName(*found);
  using V = std::vector<Interval>;
  EXPECT_EQ(by["finance"], (V{{Day(0), Day(40)}}));
  EXPECT_EQ(by["corp"], (V{{Day(0), Day(20)}}));
  EXPECT_EQ(by["root"], (V{{Day(0), Day(40)}}));
  EXPECT_EQ(by.size(), 3u);
}

TEST_F(QueriesTest, AssignmentsOnChainOfTheRootNeedATenant) {
  auto found = AssignmentsOnChain(*store_, Scope::Root(), Interval{Day(0), Day(40)});
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kNotSupported);
}

TEST_F(QueriesTest, LighthouseOnChainFollowsTheLexicalChainOnly) {
  auto vm = Scope::Parse(kVm);
  ASSERT_TRUE(vm.ok());
  auto found = LighthouseOnChain(*store_, *vm, Interval{Day(0), Day(40)});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 2u) << "sub and rg1, not rg10";
  EXPECT_EQ((*found)[0].id, ids_["lh-sub"]);
  EXPECT_EQ((*found)[0].valid, (Interval{Day(0), Day(40)})) << "clipped to the window";
  EXPECT_EQ((*found)[1].id, ids_["lh-rg1"]);
  EXPECT_EQ((*found)[1].valid, (Interval{Day(10), Day(40)}));
}

}  // namespace
}  // namespace openpal::testing
