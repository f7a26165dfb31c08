// Half-open time intervals [from, to) and sets of them: the unit of validity of every fact in openpal.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"

namespace openpal {

// [from, to): contains t when from <= t < to. Empty when to <= from. `to == Timestamp::Max()` means open-ended.
struct Interval {
  Timestamp from;
  Timestamp to = Timestamp::Max();

  bool empty() const { return to <= from; }
  bool contains(Timestamp t) const { return from <= t && t < to; }
  bool overlaps(const Interval& o) const { return from < o.to && o.from < to && !empty() && !o.empty(); }
  bool open_ended() const { return to == Timestamp::Max(); }
  // Length in microseconds (saturating for open-ended intervals).
  int64_t length() const;
  Interval intersect(const Interval& o) const;
  std::string ToString() const;  // "[2026-01-01T00:00:00Z, 2026-02-01T00:00:00Z)" or "[..., ∞)"

  friend bool operator==(const Interval&, const Interval&) = default;
};

// A set of instants as sorted, disjoint, non-adjacent intervals (adjacent ones are merged).
class IntervalSet {
 public:
  IntervalSet() = default;
  explicit IntervalSet(Interval i);
  explicit IntervalSet(std::vector<Interval> intervals);  // any order, overlaps allowed

  void add(Interval i);
  void add(const IntervalSet& other);
  IntervalSet united(const IntervalSet& other) const;
  IntervalSet intersected(const IntervalSet& other) const;
  IntervalSet intersected(const Interval& i) const;
  IntervalSet minus(const IntervalSet& other) const;

  bool empty() const { return parts_.empty(); }
  bool contains(Timestamp t) const;
  // Total length in microseconds (saturates at INT64_MAX).
  int64_t measure() const;
  const std::vector<Interval>& parts() const { return parts_; }
  std::string ToString() const;

  friend bool operator==(const IntervalSet&, const IntervalSet&) = default;

 private:
  std::vector<Interval> parts_;
};

}  // namespace openpal
