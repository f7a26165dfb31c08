// The start/end rules of spec "History: how snapshots become intervals".
#include "ingest/history_rules.h"

namespace openpal::ingest {

Timestamp RefinedInstant(const std::optional<Timestamp>& own, const ObservationTimes& obs) {
  if (own && *own < obs.as_of && (!obs.previous || *own > *obs.previous)) return *own;
  return obs.as_of;
}

Timestamp StartOfNewFact(const std::optional<Timestamp>& own, const ObservationTimes& obs) {
  // A fact with an own timestamp keeps it (or asOf when it does not count); --assume-since speaks only for
  // facts that carry no time of their own.
  if (own) return RefinedInstant(own, obs);
  if (obs.first() && obs.assume_since) return *obs.assume_since;
  return obs.as_of;
}

}  // namespace openpal::ingest
