// Transitive group membership over timed edges: ReachOverTime (membership.h) from the member's own groups.
#include "core/membership.h"

#include <unordered_map>

namespace openpal {

std::map<ObjectId, IntervalSet> TransitiveGroups(const ObjectId& member, const std::vector<TimedEdge>& edges) {
  // Edges by member: who contains x directly, and when.
  std::unordered_map<std::string_view, std::vector<const TimedEdge*>> containers;
  for (const TimedEdge& e : edges)
    if (!e.valid.empty()) containers[e.member_id].push_back(&e);
  // A group is not reported as a member of itself, so edges back to `member` are not followed.
  auto parents = [&](std::string_view x, auto&& emit) {
    auto it = containers.find(x);
    if (it == containers.end()) return;
    for (const TimedEdge* e : it->second)
      if (e->group_id != member) emit(e->group_id, e->valid);
  };
  std::map<ObjectId, IntervalSet> reach;
  parents(member, [&](std::string_view group, const IntervalSet& when) { reach[std::string(group)].add(when); });
  ReachOverTime(reach, parents);
  std::erase_if(reach, [](const auto& kv) { return kv.second.empty(); });
  return reach;
}

}  // namespace openpal
