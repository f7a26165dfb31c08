// The index loaded from a real SQLite store gives the same credit as the one built from the same facts in memory.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/report_writer.h"
#include "store/store.h"
#include "world.h"

namespace openpal::engine::testing {
namespace {

TEST(StoreRoundTrip, LoadFactsOfEveryKindFeedsTheSameCredit) {
  World w = World::Standard();
  w.Member(kTenant, kGroup, kUser2, From("2026-01-01"))
      .User(kTenant, kUser2, From("2026-01-01"))
      .Link(kTenant, kUser2, kPartner, From("2026-01-10", "2026-02-01T12:00:00Z"))
      .Assign(kTenant, kVm, kGroup, kOwnerRole, From("2026-01-01"), AssigneeType::kGroup);
  std::string path = ::testing::TempDir() + "/engine_roundtrip.db";
  std::filesystem::remove(path);
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  {
    auto tx = (*store)->BeginImport();
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    for (const auto& f : w.facts) {
      auto id = (*tx)->Insert(f.value, f.valid);
      ASSERT_TRUE(id.ok()) << id.status().ToString();
    }
    auto committed = (*tx)->Commit();
    ASSERT_TRUE(committed.ok()) << committed.ToString();
  }
  auto loaded = DirectoryIndex::Load(**store);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto built = DirectoryIndex::Build(w.facts);
  std::vector<usage::UsageRow> rows = {Row(kVm, "2026-02-01", "2026-02-02", "10"),
                                       Row(kVm, "2026-01-05", "2026-01-06", "3")};
  auto render = [&](const DirectoryIndex& index) {
    Attributor a(index, RolePolicy::All());
    for (const auto& r : rows) a.AddRow(r);
    std::ostringstream out;
    WriteReport(a.Finish(), OutputFormat::kCsv, out);
    return out.str();
  };
  std::string from_store = render(**loaded);
  EXPECT_EQ(from_store, render(*built));
  EXPECT_NE(from_store.find(",Owner,"), std::string::npos) << from_store;
}

}  // namespace
}  // namespace openpal::engine::testing
