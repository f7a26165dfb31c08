// Transitive group membership over time: who is in which group when, through nested groups, cycle-safe.
#pragma once

#include <map>
#include <string>
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

// For `member`, the groups it belongs to directly or transitively, each with the set of instants at which
// membership holds (a path G ∋ H ∋ member holds at t when every edge on it holds at t). Cycles are
// tolerated (each group is reported once, with the union over all paths). Edges need not be merged.
std::map<ObjectId, IntervalSet> TransitiveGroups(const ObjectId& member, const std::vector<TimedEdge>& edges);

}  // namespace openpal
