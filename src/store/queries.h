// Directory questions answered from the store's history over the Store interface (the link inventory asks them).
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "core/interval.h"
#include "core/model.h"
#include "store/store.h"

namespace openpal {

// The groups `member` belongs to in `tenant` (transitively, cycle-safe), each with when, within `window`.
Result<std::map<ObjectId, IntervalSet>> TransitiveGroupsOf(Store& store, const TenantId& tenant,
                                                           const ObjectId& member, const Interval& window);

}  // namespace openpal
