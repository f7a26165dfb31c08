// Directory questions over the Store interface only (no SQL here), so every Store implementation answers alike.
#include "store/queries.h"

#include <algorithm>
#include <set>

#include "core/guid.h"
#include "core/membership.h"

namespace openpal {
namespace {

// A tenant's management groups over part of a window (all facts overlapping it).
using Tree = std::vector<Fact<ManagementGroup>>;

// The chain of groups from `start` (a group ID; "" = the root) up to the tenant root group, in the tree made of
// the facts of `tree` holding at `t`. Without any tree the chain is the root named after the tenant.
std::vector<std::string> ChainAt(const TenantId& tenant, const std::string& start, const Tree& tree, Timestamp t) {
  std::map<std::string, const ManagementGroup*> by_key;
  std::string root;
  for (const auto& f : tree) {
    if (!f.valid.contains(t)) continue;
    by_key.emplace(AsciiLower(f.value.group_id), &f.value);
    if (f.value.parent_group_id.empty() && (root.empty() || AsciiLower(f.value.group_id) < AsciiLower(root)))
      root = f.value.group_id;
  }
  if (by_key.empty()) return {tenant};
  if (root.empty()) root = tenant;  // a tree without a root (cut off): the tenant root group by convention
  std::vector<std::string> chain;
  std::set<std::string> seen;  // a malformed tree may loop; each group appears once
  std::string current = start.empty() ? root : start;
  while (seen.insert(AsciiLower(current)).second) {
    auto it = by_key.find(AsciiLower(current));
    if (it == by_key.end()) {
      // A parent the tree does not list: keep it, then the root, so nothing above is lost.
      chain.push_back(current);
      if (!EqualsIgnoreCase(current, root)) chain.push_back(root);
      break;
    }
    chain.push_back(it->second->group_id);
    if (it->second->parent_group_id.empty()) break;
    current = it->second->parent_group_id;
  }
  return chain;
}

// Splits `span` wherever a fact of `tree` starts or ends inside it.
std::vector<Interval> Pieces(const Interval& span, const Tree& tree) {
  std::set<Timestamp> cuts = {span.from, span.to};
  for (const auto& f : tree) {
    if (f.valid.from > span.from && f.valid.from < span.to) cuts.insert(f.valid.from);
    if (f.valid.to > span.from && f.valid.to < span.to) cuts.insert(f.valid.to);
  }
  std::vector<Interval> out;
  for (auto it = cuts.begin(); std::next(it) != cuts.end(); ++it) out.push_back(Interval{*it, *std::next(it)});
  return out;
}

// Sorts segments by start and merges adjacent ones that say the same thing.
std::vector<SubscriptionAncestry> Coalesce(std::vector<SubscriptionAncestry> segs) {
  std::sort(segs.begin(), segs.end(),
            [](const SubscriptionAncestry& a, const SubscriptionAncestry& b) { return a.valid.from < b.valid.from; });
  std::vector<SubscriptionAncestry> out;
  for (auto& s : segs) {
    if (!out.empty() && out.back().valid.to == s.valid.from && out.back().tenant_id == s.tenant_id &&
        out.back().management_groups == s.management_groups) {
      out.back().valid.to = s.valid.to;
    } else {
      out.push_back(std::move(s));
    }
  }
  return out;
}

// The management-group facts of `tenant` overlapping `window`, loaded once per tenant.
Result<const Tree*> TreeOf(Store& store, const TenantId& tenant, const Interval& window, std::map<TenantId, Tree>& cache) {
  auto it = cache.find(tenant);
  if (it != cache.end()) return &it->second;
  auto facts = store.LoadFacts(FactKind::kManagementGroup, window, tenant);
  if (!facts.ok()) return facts.status();
  Tree tree;
  for (auto& f : *facts) tree.push_back(Fact<ManagementGroup>{f.id, std::get<ManagementGroup>(f.value), f.valid});
  return &cache.emplace(tenant, std::move(tree)).first->second;
}

// The segments of a management group's own ancestry (itself first) in every tenant whose tree lists it.
Result<std::vector<SubscriptionAncestry>> ManagementGroupAncestryOf(Store& store, const std::string& group_id,
                                                                    const Interval& window) {
  auto all = store.LoadFacts(FactKind::kManagementGroup, window, std::nullopt);
  if (!all.ok()) return all.status();
  std::map<TenantId, Tree> trees;
  std::map<TenantId, IntervalSet> present;  // when the group exists in each tenant's tree
  for (auto& f : *all) {
    const auto& g = std::get<ManagementGroup>(f.value);
    trees[g.tenant_id].push_back(Fact<ManagementGroup>{f.id, g, f.valid});
    if (EqualsIgnoreCase(g.group_id, group_id)) present[g.tenant_id].add(f.valid.intersect(window));
  }
  std::vector<SubscriptionAncestry> segs;
  for (const auto& [tenant, when] : present) {
    for (const Interval& part : when.parts())
      for (const Interval& piece : Pieces(part, trees[tenant]))
        segs.push_back(SubscriptionAncestry{piece, tenant, ChainAt(tenant, group_id, trees[tenant], piece.from)});
  }
  return Coalesce(std::move(segs));
}

// The scope keys of `resource` itself and its lexical ancestors.
std::vector<std::string> LexicalKeys(const Scope& resource) {
  std::vector<std::string> keys = {resource.key()};
  for (const Scope& a : resource.LexicalAncestors()) keys.push_back(a.key());
  return keys;
}

}  // namespace

Result<std::map<ObjectId, IntervalSet>> TransitiveGroupsOf(Store& store, const TenantId& tenant,
                                                           const ObjectId& member, const Interval& window) {
  std::map<ObjectId, IntervalSet> out;
  if (window.empty()) return out;
  auto facts = store.LoadFacts(FactKind::kGroupMembership, window, tenant);
  if (!facts.ok()) return facts.status();
  std::vector<TimedEdge> edges;
  edges.reserve(facts->size());
  for (const auto& f : *facts) {
    const auto& m = std::get<GroupMembership>(f.value);
    edges.push_back(TimedEdge{m.group_id, m.member_id, IntervalSet(f.valid.intersect(window))});
  }
  for (auto& [group, when] : TransitiveGroups(AsciiLower(member), edges)) {
    IntervalSet inside = when.intersected(window);
    if (!inside.empty()) out.emplace(group, std::move(inside));
  }
  return out;
}

Result<std::vector<SubscriptionAncestry>> SubscriptionAncestryOf(Store& store, const std::string& subscription_id,
                                                                 const Interval& window) {
  std::vector<SubscriptionAncestry> segs;
  if (window.empty()) return segs;
  auto placements = store.LoadFacts(FactKind::kSubscription, window, std::nullopt);
  if (!placements.ok()) return placements.status();
  std::map<TenantId, Tree> trees;
  for (const auto& f : *placements) {
    const auto& p = std::get<SubscriptionPlacement>(f.value);
    if (!EqualsIgnoreCase(p.subscription_id, subscription_id)) continue;
    Interval span = f.valid.intersect(window);
    if (span.empty()) continue;
    auto tree = TreeOf(store, p.tenant_id, window, trees);
    if (!tree.ok()) return tree.status();
    for (const Interval& piece : Pieces(span, **tree))
      segs.push_back(SubscriptionAncestry{piece, p.tenant_id, ChainAt(p.tenant_id, p.parent_group_id, **tree, piece.from)});
  }
  return Coalesce(std::move(segs));
}

Result<std::vector<Fact<RoleAssignment>>> AssignmentsOnChain(Store& store, const Scope& resource,
                                                             const Interval& window) {
  std::vector<Fact<RoleAssignment>> out;
  if (window.empty()) return out;
  std::optional<std::string> subscription = resource.subscription_id();
  std::optional<std::string> group = resource.management_group_id();
  Result<std::vector<SubscriptionAncestry>> segs = std::vector<SubscriptionAncestry>();
  if (subscription) {
    segs = SubscriptionAncestryOf(store, *subscription, window);
  } else if (group) {
    segs = ManagementGroupAncestryOf(store, *group, window);
  } else {
    return Status::Error(StatusCode::kNotSupported,
                         "assignments on \"" + resource.text() +
                             "\" need a tenant, which a scope above every subscription and management group "
                             "does not name; ask with a subscription, resource or management-group scope",
                         "AssignmentsOnChain");
  }
  if (!segs.ok()) return segs.status();

  // A fact applies while its scope is on the chain: clip it to each segment, then merge the pieces per fact.
  std::map<int64_t, std::pair<RoleAssignment, IntervalSet>> applied;
  for (const SubscriptionAncestry& seg : *segs) {
    std::vector<std::string> keys = LexicalKeys(resource);
    for (const std::string& g : seg.management_groups) keys.push_back(Scope::ForManagementGroup(g).key());
    keys.push_back(Scope::Root().key());
    auto found = store.AssignmentsOnScopes(seg.tenant_id, keys, seg.valid);
    if (!found.ok()) return found.status();
    for (auto& f : *found) {
      Interval piece = f.valid.intersect(seg.valid);
      if (piece.empty()) continue;
      auto [it, fresh] = applied.try_emplace(f.id, f.value, IntervalSet());
      it->second.second.add(piece);
    }
  }
  for (auto& [id, entry] : applied)
    for (const Interval& part : entry.second.parts()) out.push_back(Fact<RoleAssignment>{id, entry.first, part});
  return out;
}

Result<std::vector<Fact<LighthouseAuthorization>>> LighthouseOnChain(Store& store, const Scope& resource,
                                                                     const Interval& window) {
  std::vector<Fact<LighthouseAuthorization>> out;
  if (window.empty()) return out;
  auto found = store.LighthouseOnScopes(LexicalKeys(resource), window);
  if (!found.ok()) return found.status();
  for (auto& f : *found) {
    f.valid = f.valid.intersect(window);
    if (!f.valid.empty()) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace openpal
