// The scope chain attribution and explain walk (engine/paths.h ScopeChain over the directory index): a resource's
// lexical ancestors, its subscription's management groups in one tenant with when each was an ancestor, and the
// root; and the grants the index finds on each link of it. One hand-built history: a subscription that moves
// management group and then tenant, and a tree that changes under it.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/guid.h"
#include "core/scope.h"
#include "engine/directory_index.h"
#include "engine/paths.h"

namespace openpal::engine {
namespace {

const std::string kT1 = "11111111-1111-1111-1111-111111111111";
const std::string kT2 = "22222222-2222-2222-2222-222222222222";
const std::string kSub = "33333333-3333-3333-3333-333333333333";
const std::string kSubScope = "/subscriptions/" + kSub;
const std::string kVm = kSubScope + "/resourceGroups/RG1/providers/Microsoft.Compute/virtualMachines/vm1";
const Timestamp kEnd = Timestamp::Max();

Timestamp Day(int d) { return Timestamp::FromSeconds(int64_t{d} * 86400); }

std::unique_ptr<DirectoryIndex> History() {
  std::vector<AnyFact> facts;
  auto add = [&](FactValue v, Timestamp from, Timestamp to) {
    facts.push_back(AnyFact{static_cast<int64_t>(facts.size() + 1), std::move(v), Interval{from, to}});
  };
  // T1's tree: root (named after the tenant) > Corp > Finance; at day 20 Finance moves under the root.
  add(ManagementGroup{kT1, kT1, "Tenant Root Group", ""}, Day(0), kEnd);
  add(ManagementGroup{kT1, "Corp", "Corp", kT1}, Day(0), kEnd);
  add(ManagementGroup{kT1, "Finance", "Finance", "Corp"}, Day(0), Day(20));
  add(ManagementGroup{kT1, "Finance", "Finance", kT1}, Day(20), kEnd);
  // The subscription: in T1 under Finance [0,25), under Corp [25,30); nobody's [30,32); T2's (no tree) from 32.
  add(SubscriptionPlacement{kSub, kT1, "Prod", "Finance"}, Day(0), Day(25));
  add(SubscriptionPlacement{kSub, kT1, "Prod", "Corp"}, Day(25), Day(30));
  add(SubscriptionPlacement{kSub, kT2, "Prod", ""}, Day(32), kEnd);
  auto ra = [&](const TenantId& t, const std::string& name, const std::string& scope) {
    add(RoleAssignment{t, name, scope, "p-" + name, AssigneeType::kUser, "g", "Reader"}, Day(0), kEnd);
  };
  ra(kT1, "root", "/");
  ra(kT1, "corp", "/providers/Microsoft.Management/managementGroups/Corp");
  ra(kT1, "finance", "/providers/microsoft.management/managementgroups/FINANCE");
  ra(kT1, "sub", kSubScope);
  ra(kT1, "rg1", kSubScope + "/resourceGroups/rg1");
  ra(kT1, "rg10", kSubScope + "/resourceGroups/rg10");
  ra(kT1, "vm", kVm);
  ra(kT1, "other-sub", "/subscriptions/44444444-4444-4444-4444-444444444444");
  ra(kT2, "t2-sub", kSubScope);
  auto lh = [&](const std::string& name, const std::string& scope) {
    add(LighthouseAuthorization{kT1, scope + "/providers/Microsoft.ManagedServices/registrationAssignments/" + name,
                                scope, kT2, "lh-" + name, "Ops", "g", false},
        Day(0), kEnd);
  };
  lh("sub", kSubScope);
  lh("rg1", kSubScope + "/resourceGroups/RG1");
  lh("rg10", kSubScope + "/resourceGroups/rg10");
  return DirectoryIndex::Build(facts);
}

std::map<std::string, IntervalSet> ChainOf(const DirectoryIndex& index, const std::string& resource,
                                           const std::string& tenant) {
  auto scope = Scope::Parse(resource);
  EXPECT_TRUE(scope.ok());
  std::map<std::string, IntervalSet> out;
  for (const ChainScope& link : ScopeChain(index, *scope, tenant)) out[link.key] = link.when;
  return out;
}

std::string Mg(const std::string& id) { return Scope::ForManagementGroup(id).key(); }

TEST(ScopeChain, ManagementGroupsAreAncestorsOnlyWhileTheTreeAndThePlacementSaySo) {
  auto index = History();
  auto chain = ChainOf(*index, kVm, kT1);
  using V = std::vector<Interval>;
  EXPECT_EQ(chain.at(Mg("finance")), IntervalSet(V{{Day(0), Day(25)}})) << "MG ids compare case-insensitively";
  EXPECT_EQ(chain.at(Mg("corp")), IntervalSet(V{{Day(0), Day(20)}, {Day(25), Day(30)}}))
      << "not while Finance sat under the root";
  EXPECT_EQ(chain.at(Mg(kT1)), IntervalSet(V{{Day(0), Day(30)}})) << "T1's root while T1 held the subscription";
  for (const std::string& lexical : {kVm, kSubScope + "/resourceGroups/RG1", kSubScope, std::string("/")})
    EXPECT_EQ(chain.count(AsciiLower(lexical)), 1u) << lexical;
  EXPECT_EQ(chain.size(), 7u);
}

TEST(ScopeChain, ATenantWithoutATreeHasOnlyTheLexicalChain) {
  auto index = History();
  auto chain = ChainOf(*index, kVm, kT2);
  EXPECT_EQ(chain.size(), 4u) << "the resource, RG1, the subscription, the root";
  EXPECT_EQ(chain.count(Mg("finance")), 0u);
}

// The grants the index holds on the chain: what crediting and explain see for a resource.
TEST(ScopeChain, TheGrantsOnTheChainAreTheAncestorsOnesInTheTenant) {
  auto index = History();
  std::set<std::string> names;
  for (const auto& [key, when] : ChainOf(*index, kVm, kT1))
    index->ForEachAssignmentAt(key, [&](const AssignmentView& a) {
      if (a.tenant == kT1) names.insert(std::string(a.principal));
    });
  EXPECT_EQ(names, (std::set<std::string>{"p-root", "p-corp", "p-finance", "p-sub", "p-rg1", "p-vm"}))
      << "rg1 covers RG1; a sibling rg10 is not an ancestor; T2's assignment is another tenant's";
  std::set<std::string> lighthouse;
  for (const auto& [key, when] : ChainOf(*index, kVm, kT1))
    index->ForEachLighthouseAt(key, [&](const LighthouseView& l) { lighthouse.insert(std::string(l.principal)); });
  EXPECT_EQ(lighthouse, (std::set<std::string>{"lh-sub", "lh-rg1"})) << "Lighthouse follows the lexical chain";
}

}  // namespace
}  // namespace openpal::engine
