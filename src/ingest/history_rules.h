// The time rules that turn observations into intervals (spec "History"): where a fact starts and ends.
#pragma once

#include <optional>

#include "core/time.h"

namespace openpal::ingest {

// What is known when a kind of one tenant is observed at `as_of`.
struct ObservationTimes {
  Timestamp as_of;
  std::optional<Timestamp> previous;      // asOf of the previous observation of that kind, if any
  std::optional<Timestamp> assume_since;  // --assume-since, kept only when this is the kind's first observation

  bool first() const { return !previous.has_value(); }
};

// An own timestamp counts when it is earlier than asOf and later than the previous observation (any
// earlier time at the first observation); otherwise the instant is asOf.
Timestamp RefinedInstant(const std::optional<Timestamp>& own, const ObservationTimes& obs);

// Where a fact first shown by this observation starts: its own timestamp when that counts; else, with no own
// timestamp at a first observation with --assume-since, that time; else asOf.
Timestamp StartOfNewFact(const std::optional<Timestamp>& own, const ObservationTimes& obs);

}  // namespace openpal::ingest
