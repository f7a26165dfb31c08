// Transitive group membership over time: who is in which group when, through nested groups, cycle-safe.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/interval.h"
#include "core/model.h"

namespace openpal {

// Direct memberships of one tenant with their validity.
struct TimedEdge {
  ObjectId group_id;
  ObjectId member_id;
  IntervalSet valid;
};

// The one walk up a graph whose edges hold over time (group nesting here and in the engine's directory index, the
// management-group tree in its scope chain): `reach` holds the nodes reached so far, each with when; the walk
// follows, from every node reached, `for_each_parent(node, emit)`, which calls `emit(parent, when_edge_holds)` for
// each edge up (when_edge_holds: an Interval or an IntervalSet). A parent is reached at t when every edge of some
// path to it holds at t. Sets only grow, bounded by the finitely many endpoints of the edges, so cycles end.
// `reach` is a map from std::string (std::map or unordered_map) to IntervalSet.
template <typename ReachMap, typename ForEachParent>
void ReachOverTime(ReachMap& reach, ForEachParent&& for_each_parent) {
  std::deque<std::string> work;
  for (const auto& [node, when] : reach) work.push_back(node);
  while (!work.empty()) {
    const std::string node = std::move(work.front());
    work.pop_front();
    const IntervalSet here = reach[node];  // a copy: emit may grow reach[node] (self-loops) or rehash the map
    for_each_parent(std::string_view(node), [&](std::string_view parent, const auto& edge_when) {
      IntervalSet via = here.intersected(edge_when);
      if (via.empty()) return;
      IntervalSet& known = reach[std::string(parent)];
      if (via.minus(known).empty()) return;  // nothing new: also what stops cycles
      known.add(via);
      work.emplace_back(parent);
    });
  }
}

// For `member`, the groups it belongs to directly or transitively, each with the set of instants at which
// membership holds (a path G ∋ H ∋ member holds at t when every edge on it holds at t). Cycles are
// tolerated (each group is reported once, with the union over all paths). Edges need not be merged.
std::map<ObjectId, IntervalSet> TransitiveGroups(const ObjectId& member, const std::vector<TimedEdge>& edges);

}  // namespace openpal
