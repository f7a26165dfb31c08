// Interval algebra: half-open bounds, and IntervalSet kept sorted, disjoint and merged.
#include "core/interval.h"

#include <random>

#include <gtest/gtest.h>

namespace openpal {
namespace {

Timestamp T(int64_t s) { return Timestamp::FromSeconds(s); }
Interval I(int64_t a, int64_t b) { return {T(a), T(b)}; }

TEST(Interval, IsHalfOpen) {
  const Interval i = I(10, 20);
  EXPECT_TRUE(i.contains(T(10)));
  EXPECT_TRUE(i.contains(T(19)));
  EXPECT_FALSE(i.contains(T(20)));
  EXPECT_FALSE(i.contains(T(9)));
  EXPECT_EQ(i.length(), 10 * 1000000);
}

TEST(Interval, EmptyWhenToIsNotAfterFrom) {
  EXPECT_TRUE(I(5, 5).empty());
  EXPECT_TRUE(I(6, 5).empty());
  EXPECT_EQ(I(6, 5).length(), 0);
  EXPECT_FALSE(I(5, 5).contains(T(5)));
}

TEST(Interval, OverlapsNeedsACommonInstant) {
  EXPECT_TRUE(I(0, 10).overlaps(I(9, 20)));
  EXPECT_FALSE(I(0, 10).overlaps(I(10, 20)));  // adjacent: no common instant
  EXPECT_FALSE(I(0, 10).overlaps(I(5, 5)));    // empty overlaps nothing
}

TEST(Interval, IntersectAndOpenEnd) {
  EXPECT_EQ(I(0, 10).intersect(I(5, 20)), I(5, 10));
  EXPECT_TRUE(I(0, 10).intersect(I(10, 20)).empty());
  const Interval open{T(5)};
  EXPECT_TRUE(open.open_ended());
  EXPECT_EQ(open.length(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Interval({Timestamp::Min(), Timestamp::Max()}).length(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(open.intersect(I(0, 10)), I(5, 10));
}

TEST(Interval, ToStringShowsInfinityForOpenEnds) {
  EXPECT_EQ(I(0, 86400).ToString(), "[1970-01-01T00:00:00Z, 1970-01-02T00:00:00Z)");
  EXPECT_EQ(Interval{T(0)}.ToString(), "[1970-01-01T00:00:00Z, \u221e)");
  EXPECT_EQ((Interval{Timestamp::Min(), T(0)}).ToString(), "[-\u221e, 1970-01-01T00:00:00Z)");
}

TEST(IntervalSet, MergesAdjacentAndOverlappingAndDropsEmpty) {
  const IntervalSet s({I(20, 30), I(0, 10), I(10, 15), I(5, 12), I(40, 40), I(50, 45)});
  ASSERT_EQ(s.parts().size(), 2u);
  EXPECT_EQ(s.parts()[0], I(0, 15));
  EXPECT_EQ(s.parts()[1], I(20, 30));
  EXPECT_EQ(s.measure(), 25 * 1000000);
}

TEST(IntervalSet, AddKeepsTheInvariant) {
  IntervalSet s;
  s.add(I(10, 20));
  s.add(I(30, 40));
  s.add(I(0, 5));
  s.add(I(7, 7));  // empty: dropped
  EXPECT_EQ(s.parts().size(), 3u);
  s.add(I(20, 30));  // bridges two parts exactly at their ends
  ASSERT_EQ(s.parts().size(), 2u);
  EXPECT_EQ(s.parts()[1], I(10, 40));
  s.add(I(-5, 100));  // swallows everything
  ASSERT_EQ(s.parts().size(), 1u);
  EXPECT_EQ(s.parts()[0], I(-5, 100));
}

TEST(IntervalSet, UnionIntersectionDifference) {
  const IntervalSet a({I(0, 10), I(20, 30)});
  const IntervalSet b({I(5, 25)});
  EXPECT_EQ(a.united(b), IntervalSet(I(0, 30)));
  EXPECT_EQ(a.intersected(b), IntervalSet({I(5, 10), I(20, 25)}));
  EXPECT_EQ(a.intersected(I(8, 22)), IntervalSet({I(8, 10), I(20, 22)}));
  EXPECT_EQ(a.minus(b), IntervalSet({I(0, 5), I(25, 30)}));
  EXPECT_EQ(b.minus(a), IntervalSet(I(10, 20)));
  EXPECT_TRUE(a.minus(a).empty());
  EXPECT_EQ(a.minus(IntervalSet()), a);
  EXPECT_TRUE(IntervalSet().intersected(a).empty());
  // A subtrahend that spans several parts of the minuend.
  const IntervalSet many({I(0, 2), I(4, 6), I(8, 10)});
  EXPECT_EQ(many.minus(IntervalSet({I(1, 9)})), IntervalSet({I(0, 1), I(9, 10)}));
  IntervalSet c = a;
  c.add(b);
  EXPECT_EQ(c, IntervalSet(I(0, 30)));
}

TEST(IntervalSet, ContainsIsHalfOpen) {
  const IntervalSet s({I(0, 10), I(20, 30)});
  EXPECT_TRUE(s.contains(T(0)));
  EXPECT_FALSE(s.contains(T(10)));
  EXPECT_FALSE(s.contains(T(15)));
  EXPECT_TRUE(s.contains(T(29)));
  EXPECT_FALSE(s.contains(T(30)));
  EXPECT_FALSE(s.contains(T(-1)));
  EXPECT_FALSE(IntervalSet().contains(T(0)));
}

TEST(IntervalSet, MeasureSaturates) {
  const IntervalSet s({Interval{Timestamp::Min(), T(0)}, Interval{T(10)}});
  EXPECT_EQ(s.measure(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(s.ToString(), "{[-\u221e, 1970-01-01T00:00:00Z), [1970-01-01T00:00:10Z, \u221e)}");
  EXPECT_EQ(IntervalSet().ToString(), "{}");
}

// Against a brute-force model over seconds 0..63: every operation matches pointwise membership.
TEST(IntervalSet, RandomizedAgainstBitsetModel) {
  std::mt19937 rng(12345);
  auto random_set = [&](uint64_t* bits) {
    std::vector<Interval> parts;
    *bits = 0;
    const int n = static_cast<int>(rng() % 5);
    for (int k = 0; k < n; ++k) {
      const int a = static_cast<int>(rng() % 64), b = static_cast<int>(rng() % 65);
      parts.push_back(I(a, b));
      for (int t = a; t < b; ++t) *bits |= uint64_t{1} << t;
    }
    return IntervalSet(parts);
  };
  auto check = [](const IntervalSet& s, uint64_t bits) {
    for (size_t k = 0; k < s.parts().size(); ++k) {
      ASSERT_FALSE(s.parts()[k].empty());
      if (k) {
        ASSERT_LT(s.parts()[k - 1].to, s.parts()[k].from) << s.ToString();  // disjoint, not adjacent
      }
    }
    int64_t count = 0;
    for (int t = 0; t < 64; ++t) {
      ASSERT_EQ(s.contains(T(t)), ((bits >> t) & 1) != 0) << s.ToString() << " at " << t;
      count += (bits >> t) & 1;
    }
    ASSERT_EQ(s.measure(), count * 1000000);
  };
  for (int round = 0; round < 2000; ++round) {
    uint64_t x = 0, y = 0;
    const IntervalSet a = random_set(&x), b = random_set(&y);
    check(a.united(b), x | y);
    check(a.intersected(b), x & y);
    check(a.minus(b), x & ~y);
    IntervalSet c = a;
    for (const Interval& p : b.parts()) c.add(p);
    check(c, x | y);
  }
}

}  // namespace
}  // namespace openpal
