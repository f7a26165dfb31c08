// Transitive group membership over timed edges: a monotone fixed point over interval sets, so cycles end.
#include "core/membership.h"

#include <deque>
#include <set>
#include <unordered_map>

namespace openpal {

std::map<ObjectId, IntervalSet> TransitiveGroups(const ObjectId& member, const std::vector<TimedEdge>& edges) {
  // Edges by member: who contains x directly, and when.
  std::unordered_map<std::string_view, std::vector<const TimedEdge*>> containers;
  for (const TimedEdge& e : edges) {
    if (!e.valid.empty()) containers[e.member_id].push_back(&e);
  }
  // reach[g] = when `member` is in g through some path found so far. Each update only grows a set whose
  // bounds come from a finite pool (the edges' bounds), so the worklist empties even with cycles.
  std::map<ObjectId, IntervalSet> reach;
  std::deque<std::string_view> work;
  std::set<std::string_view> queued;
  const IntervalSet always{Interval{Timestamp::Min(), Timestamp::Max()}};

  auto visit = [&](std::string_view x, const IntervalSet& when_x) {
    auto it = containers.find(x);
    if (it == containers.end()) return;
    for (const TimedEdge* e : it->second) {
      if (e->group_id == member) continue;  // a group is not reported as a member of itself
      IntervalSet via = when_x.intersected(e->valid);
      if (via.empty()) continue;
      IntervalSet& known = reach[e->group_id];
      IntervalSet grown = known.united(via);
      if (grown == known) continue;
      known = std::move(grown);
      if (queued.insert(e->group_id).second) work.push_back(e->group_id);
    }
  };

  visit(member, always);
  while (!work.empty()) {
    const std::string_view g = work.front();
    work.pop_front();
    queued.erase(g);
    const IntervalSet when_g = reach[std::string(g)];  // a copy: visit may grow reach[g] (self-loops)
    visit(g, when_g);
  }
  std::erase_if(reach, [](const auto& kv) { return kv.second.empty(); });
  return reach;
}

}  // namespace openpal
