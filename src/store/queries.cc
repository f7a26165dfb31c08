// Directory questions over the Store interface only (no SQL here), so every Store implementation answers alike.
#include "store/queries.h"

#include "core/guid.h"
#include "core/membership.h"

namespace openpal {

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

}  // namespace openpal
