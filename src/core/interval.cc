// Interval algebra: intersection, union, difference of half-open [from, to) intervals kept normalized.
#include "core/interval.h"

#include <algorithm>
#include <iterator>
#include <limits>

namespace openpal {
namespace {

constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();

// b - a for a <= b, saturating at INT64_MAX (spans from Min to Max overflow int64).
int64_t SaturatingSpan(Timestamp a, Timestamp b) {
  if (b <= a) return 0;
  const auto diff = static_cast<unsigned __int128>(static_cast<__int128>(b.micros) - a.micros);
  return diff > static_cast<unsigned __int128>(kSaturated) ? kSaturated : static_cast<int64_t>(diff);
}

std::string Bound(Timestamp t, bool upper) {
  if (upper && t == Timestamp::Max()) return "\u221e";
  if (!upper && t == Timestamp::Min()) return "-\u221e";
  return FormatIsoTime(t);
}

}  // namespace

int64_t Interval::length() const {
  if (empty()) return 0;
  if (open_ended()) return kSaturated;
  return SaturatingSpan(from, to);
}

Interval Interval::intersect(const Interval& o) const {
  Interval r{std::max(from, o.from), std::min(to, o.to)};
  if (r.empty()) r.to = r.from;  // canonical empty: callers test empty(), not the bounds
  return r;
}

std::string Interval::ToString() const { return "[" + Bound(from, false) + ", " + Bound(to, true) + ")"; }

IntervalSet::IntervalSet(Interval i) { add(i); }

IntervalSet::IntervalSet(std::vector<Interval> intervals) {
  std::erase_if(intervals, [](const Interval& i) { return i.empty(); });
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.from < b.from; });
  for (const Interval& i : intervals) {
    // Sorted by start, so each interval either extends the last part or starts a new one.
    if (!parts_.empty() && i.from <= parts_.back().to) {
      parts_.back().to = std::max(parts_.back().to, i.to);
    } else {
      parts_.push_back(i);
    }
  }
}

void IntervalSet::add(Interval i) {
  if (i.empty()) return;
  // Parts that overlap or touch i are [first, last): merge them with i into one.
  auto first = std::lower_bound(parts_.begin(), parts_.end(), i.from,
                                [](const Interval& p, Timestamp t) { return p.to < t; });
  auto last = first;
  while (last != parts_.end() && last->from <= i.to) {
    i.from = std::min(i.from, last->from);
    i.to = std::max(i.to, last->to);
    ++last;
  }
  first = parts_.erase(first, last);
  parts_.insert(first, i);
}

void IntervalSet::add(const IntervalSet& other) { *this = united(other); }

IntervalSet IntervalSet::united(const IntervalSet& other) const {
  std::vector<Interval> all;
  all.reserve(parts_.size() + other.parts_.size());
  std::merge(parts_.begin(), parts_.end(), other.parts_.begin(), other.parts_.end(), std::back_inserter(all),
             [](const Interval& a, const Interval& b) { return a.from < b.from; });
  return IntervalSet(std::move(all));
}

IntervalSet IntervalSet::intersected(const IntervalSet& other) const {
  IntervalSet out;
  size_t i = 0, j = 0;
  while (i < parts_.size() && j < other.parts_.size()) {
    const Interval x = parts_[i].intersect(other.parts_[j]);
    if (!x.empty()) out.parts_.push_back(x);  // pieces come out sorted and disjoint; never adjacent
    if (parts_[i].to < other.parts_[j].to) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

IntervalSet IntervalSet::intersected(const Interval& i) const { return intersected(IntervalSet(i)); }

IntervalSet IntervalSet::minus(const IntervalSet& other) const {
  IntervalSet out;
  size_t j = 0;
  for (Interval cur : parts_) {
    // Skip subtrahend parts wholly before cur; they cannot affect later parts either.
    while (j < other.parts_.size() && other.parts_[j].to <= cur.from) ++j;
    size_t k = j;
    while (k < other.parts_.size() && other.parts_[k].from < cur.to) {
      const Interval& cut = other.parts_[k];
      if (cut.from > cur.from) out.parts_.push_back({cur.from, cut.from});
      cur.from = std::max(cur.from, cut.to);
      if (cur.empty()) break;
      ++k;
    }
    if (!cur.empty()) out.parts_.push_back(cur);
  }
  return out;
}

bool IntervalSet::contains(Timestamp t) const {
  auto it = std::upper_bound(parts_.begin(), parts_.end(), t,
                             [](Timestamp v, const Interval& p) { return v < p.from; });
  return it != parts_.begin() && std::prev(it)->contains(t);
}

int64_t IntervalSet::measure() const {
  int64_t total = 0;
  for (const Interval& p : parts_) {
    const int64_t len = p.length();
    if (len > kSaturated - total) return kSaturated;
    total += len;
  }
  return total;
}

std::string IntervalSet::ToString() const {
  if (parts_.empty()) return "{}";
  std::string out = "{";
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (i) out += ", ";
    out += parts_[i].ToString();
  }
  return out + "}";
}

}  // namespace openpal
