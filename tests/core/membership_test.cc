// Transitive group membership over time: a path holds when all its edges hold; paths unite; cycles end.
#include "core/membership.h"

#include <gtest/gtest.h>

namespace openpal {
namespace {

Timestamp T(int64_t day) { return Timestamp::FromSeconds(day * 86400); }
IntervalSet Days(int64_t a, int64_t b) { return IntervalSet(Interval{T(a), T(b)}); }
IntervalSet From(int64_t a) { return IntervalSet(Interval{T(a)}); }

TEST(TransitiveGroups, DirectMembershipKeepsItsInterval) {
  const std::vector<TimedEdge> edges = {{"g1", "alice", Days(0, 10)}, {"g2", "bob", Days(0, 10)}};
  const auto groups = TransitiveGroups("alice", edges);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups.at("g1"), Days(0, 10));
}

TEST(TransitiveGroups, NestedThreeDeepHoldsAtTheIntersection) {
  // alice ∈ g1 on [0,30), g1 ∈ g2 on [10,40), g2 ∈ g3 on [20,∞): alice is in g3 on [20,30).
  const std::vector<TimedEdge> edges = {
      {"g1", "alice", Days(0, 30)}, {"g2", "g1", Days(10, 40)}, {"g3", "g2", From(20)}};
  const auto groups = TransitiveGroups("alice", edges);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups.at("g1"), Days(0, 30));
  EXPECT_EQ(groups.at("g2"), Days(10, 30));
  EXPECT_EQ(groups.at("g3"), Days(20, 30));
}

TEST(TransitiveGroups, DisjointEdgesOnAPathGiveNoMembership) {
  const std::vector<TimedEdge> edges = {{"g1", "alice", Days(0, 10)}, {"g2", "g1", Days(10, 20)}};
  const auto groups = TransitiveGroups("alice", edges);
  EXPECT_EQ(groups.size(), 1u);  // g2 only through an empty intersection: not reported
  EXPECT_EQ(groups.count("g2"), 0u);
}

TEST(TransitiveGroups, DiamondUnitesBothPaths) {
  // alice ∈ left [0,10), alice ∈ right [20,30); both ∈ top always: top on [0,10) ∪ [20,30).
  const std::vector<TimedEdge> edges = {{"left", "alice", Days(0, 10)},
                                        {"right", "alice", Days(20, 30)},
                                        {"top", "left", From(0)},
                                        {"top", "right", From(0)}};
  const auto groups = TransitiveGroups("alice", edges);
  EXPECT_EQ(groups.at("top"), IntervalSet({Interval{T(0), T(10)}, Interval{T(20), T(30)}}));
}

TEST(TransitiveGroups, DiamondWithAdjacentPathsMerges) {
  const std::vector<TimedEdge> edges = {{"left", "alice", Days(0, 10)},
                                        {"right", "alice", Days(10, 20)},
                                        {"top", "left", From(0)},
                                        {"top", "right", From(0)}};
  EXPECT_EQ(TransitiveGroups("alice", edges).at("top"), Days(0, 20));
}

TEST(TransitiveGroups, CycleTerminatesAndReportsEachGroupOnce) {
  // alice ∈ a; a ∈ b ∈ c ∈ a (a cycle), with different times.
  const std::vector<TimedEdge> edges = {{"a", "alice", Days(0, 100)},
                                        {"b", "a", Days(10, 50)},
                                        {"c", "b", Days(20, 60)},
                                        {"a", "c", Days(0, 100)},
                                        {"a", "a", From(0)}};  // a self-loop too
  const auto groups = TransitiveGroups("alice", edges);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups.at("a"), Days(0, 100));
  EXPECT_EQ(groups.at("b"), Days(10, 50));
  EXPECT_EQ(groups.at("c"), Days(20, 50));
}

TEST(TransitiveGroups, AGroupInACycleIsNotItsOwnMember) {
  const std::vector<TimedEdge> edges = {{"g2", "g1", From(0)}, {"g1", "g2", From(0)}};
  const auto groups = TransitiveGroups("g1", edges);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups.at("g2"), From(0));
}

TEST(TransitiveGroups, LaterPathExtendsAnEarlierFoundOne) {
  // Edges need not be merged: two edges g1∋alice with different times unite; the longer path via g0
  // adds time to g2 after g2 was first reached.
  const std::vector<TimedEdge> edges = {{"g1", "alice", Days(0, 5)},  {"g1", "alice", Days(5, 10)},
                                        {"g2", "g1", From(0)},         {"g0", "alice", Days(50, 60)},
                                        {"g1", "g0", From(0)},         {"g2", "alice", Days(100, 110)}};
  const auto groups = TransitiveGroups("alice", edges);
  EXPECT_EQ(groups.at("g1"), IntervalSet({Interval{T(0), T(10)}, Interval{T(50), T(60)}}));
  EXPECT_EQ(groups.at("g2"),
            IntervalSet({Interval{T(0), T(10)}, Interval{T(50), T(60)}, Interval{T(100), T(110)}}));
}

TEST(TransitiveGroups, NoEdgesNoGroups) {
  EXPECT_TRUE(TransitiveGroups("alice", {}).empty());
  EXPECT_TRUE(TransitiveGroups("alice", {{"g1", "alice", IntervalSet()}}).empty());
}

TEST(TransitiveGroups, LongChainAndDenseCycleStayFast) {
  // 2000-deep chain plus a complete graph of 60 groups: bounded work, correct depth.
  std::vector<TimedEdge> edges;
  edges.push_back({"c0", "alice", Days(0, 1000)});
  for (int i = 1; i < 2000; ++i) {
    edges.push_back({"c" + std::to_string(i), "c" + std::to_string(i - 1), Days(i / 2, 1000)});
  }
  for (int i = 0; i < 60; ++i) {
    for (int j = 0; j < 60; ++j) edges.push_back({"k" + std::to_string(i), "k" + std::to_string(j), Days(i, 500)});
  }
  edges.push_back({"k0", "c1999", From(0)});
  const auto groups = TransitiveGroups("alice", edges);
  EXPECT_EQ(groups.at("c1999"), Days(999, 1000));
  EXPECT_EQ(groups.count("k59"), 0u);  // reachable only where k0's window [999,1000) meets [0,500): never
  EXPECT_EQ(groups.size(), 2000u + 1u);  // all chain groups and k0
}

}  // namespace
}  // namespace openpal
