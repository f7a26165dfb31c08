// Directory questions answered from the store's history: the ones the engine, explain and the API ask.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "core/interval.h"
#include "core/model.h"
#include "core/scope.h"
#include "store/store.h"

namespace openpal {

// The groups `member` belongs to in `tenant` (transitively, cycle-safe), each with when, within `window`.
Result<std::map<ObjectId, IntervalSet>> TransitiveGroupsOf(Store& store, const TenantId& tenant,
                                                           const ObjectId& member, const Interval& window);

// The tenant and management-group chain of a subscription over `window`, as consecutive segments
// (a gap where no tenant held it). Uses the management-group tree as it was in each segment.
Result<std::vector<SubscriptionAncestry>> SubscriptionAncestryOf(Store& store, const std::string& subscription_id,
                                                                 const Interval& window);

// Role assignments on `resource` or any ancestor (its lexical ancestors, its subscription's management groups
// at the time, and "/") in the tenant holding the subscription, overlapping `window`.
Result<std::vector<Fact<RoleAssignment>>> AssignmentsOnChain(Store& store, const Scope& resource,
                                                             const Interval& window);

// Lighthouse authorizations on `resource` or any lexical ancestor, overlapping `window`.
Result<std::vector<Fact<LighthouseAuthorization>>> LighthouseOnChain(Store& store, const Scope& resource,
                                                                     const Interval& window);

}  // namespace openpal
