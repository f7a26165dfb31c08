// The directory queries over the Store interface on one hand-built history: nested groups with a cycle, over time.
// (The scope chain of a resource is the engine's: tests/engine/scope_chain_test.cc.)
#include "store/queries.h"

#include "store_test_util.h"

namespace openpal::testing {
namespace {

const std::string kT1 = "11111111-1111-1111-1111-111111111111";
const std::string kT2 = "22222222-2222-2222-2222-222222222222";
const Timestamp kEnd = Timestamp::Max();

class QueriesTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    auto tx = store_->BeginImport();
    ASSERT_TRUE(tx.ok());
    auto add = [&](const FactValue& v, Timestamp from, Timestamp to) {
      auto id = (*tx)->Insert(v, Interval{from, to});
      EXPECT_TRUE(id.ok()) << id.status().ToString();
      return id.ok() ? *id : 0;
    };
    // Groups of T1: user u in g1 over [0,10) and [20,30); g1 in g2 over [5,25); g2 in g3 and g3 in g2 (a cycle).
    add(GroupMembership{kT1, "g1", "u", PrincipalKind::kUser}, Day(0), Day(10));
    add(GroupMembership{kT1, "g1", "u", PrincipalKind::kUser}, Day(20), Day(30));
    add(GroupMembership{kT1, "g2", "g1", PrincipalKind::kGroup}, Day(5), Day(25));
    add(GroupMembership{kT1, "g3", "g2", PrincipalKind::kGroup}, Day(0), kEnd);
    add(GroupMembership{kT1, "g2", "g3", PrincipalKind::kGroup}, Day(0), kEnd);
    add(GroupMembership{kT2, "g9", "u", PrincipalKind::kUser}, Day(0), kEnd);  // another tenant's group
    ASSERT_TRUE((*tx)->Commit().ok());
  }
};

TEST_P(QueriesTest, TransitiveGroupsFollowNestingOverTimeThroughACycle) {
  auto g = TransitiveGroupsOf(*store_, kT1, "u", Interval{Day(0), Day(40)});
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->size(), 3u) << "g1, g2, g3; not T2's g9";
  EXPECT_EQ(g->at("g1"), IntervalSet(std::vector<Interval>{{Day(0), Day(10)}, {Day(20), Day(30)}}));
  // g2 and g3 hold only while both u ∈ g1 and g1 ∈ g2 hold: [5,10) and [20,25).
  IntervalSet nested(std::vector<Interval>{{Day(5), Day(10)}, {Day(20), Day(25)}});
  EXPECT_EQ(g->at("g2"), nested);
  EXPECT_EQ(g->at("g3"), nested);
}

TEST_P(QueriesTest, TransitiveGroupsAreClippedToTheWindow) {
  auto g = TransitiveGroupsOf(*store_, kT1, "u", Interval{Day(8), Day(22)});
  ASSERT_TRUE(g.ok());
  IntervalSet clipped(std::vector<Interval>{{Day(8), Day(10)}, {Day(20), Day(22)}});
  EXPECT_EQ(g->at("g1"), clipped);
  EXPECT_EQ(g->at("g2"), clipped);
  auto none = TransitiveGroupsOf(*store_, kT1, "u", Interval{Day(12), Day(18)});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty()) << "u is in no group between its two g1 memberships";
}

INSTANTIATE_BACKENDS(QueriesTest);

}  // namespace
}  // namespace openpal::testing
