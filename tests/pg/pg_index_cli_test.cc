// The compiled index and partial runs on PostgreSQL (issue 15 with issue 16): `pal index build --db postgresql://...`
// writes the default index into the current folder (the URI is no place for a file), `pal attribute` uses it while it
// is fresh and rebuilds it once an import raised the directory version, and `--partial` parts merge to the single
// run's report, as on SQLite (tests/cli/index_cli_test.cc).
#include <gtest/gtest.h>

#include "links_process.h"
#include "pg_test_db.h"

namespace openpal::testing {
namespace {

namespace fs = std::filesystem;

std::string Snapshot(const char* day) { return std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots/" + day; }
std::string Usage(const char* name) { return std::string(OPENPAL_SOURCE_DIR) + "/demo/usage/" + name; }

class PalIndexOnPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    OPENPAL_REQUIRE_PG(db_);
    dir_ = TempDir("pal-pg-index");
    ASSERT_FALSE(dir_.empty());
    previous_ = fs::current_path();
    fs::current_path(dir_);  // where the default index of a URI goes
    for (const char* day : {"2026-07-01", "2026-08-01", "2026-09-01"}) {
      ProcessResult r = RunPal({"import", Snapshot(day), "--db", db_.uri()}, {.timeout_seconds = 120});
      ASSERT_EQ(r.exit_code, 0) << day << ": " << r.err;
    }
  }
  void TearDown() override {
    if (!previous_.empty()) fs::current_path(previous_);
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  TestDatabase db_;
  std::string dir_;
  fs::path previous_;
};

TEST_F(PalIndexOnPostgres, IndexBuildWritesAFreshIndexThatAnImportMakesStale) {
  const std::vector<std::string> attribute = {"attribute", "--quiet", "--db", db_.uri(), "--usage",
                                              Usage("focus_2026-q3.csv")};
  ProcessResult from_store = RunPal(attribute, {.timeout_seconds = 120});
  ASSERT_EQ(from_store.exit_code, 0) << from_store.err;
  ProcessResult built = RunPal({"index", "build", "--db", db_.uri()}, {.timeout_seconds = 120});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_NE(built.out.find("directory version"), std::string::npos) << built.out;
  std::string index;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.path().extension() == ".index") index = e.path().string();
  ASSERT_FALSE(index.empty()) << "no openpal-<hash>.index in the current folder: " << built.out;
  EXPECT_EQ(built.out.find("postgresql://"), std::string::npos) << "the index is a local file, not beside a URI";

  std::vector<std::string> named = attribute;
  named.insert(named.end(), {"--index", index});
  ProcessResult from_index = RunPal(named, {.timeout_seconds = 120});
  ASSERT_EQ(from_index.exit_code, 0) << from_index.err;
  EXPECT_EQ(from_index.out, from_store.out);

  // An import commits facts and raises the directory version: it rebuilds the default index it finds (so it is
  // fresh again); the old copy, named, is refused as stale.
  fs::copy_file(index, dir_ + "/old.index");
  ProcessResult imported = RunPal({"import", Snapshot("2026-10-01"), "--db", db_.uri()}, {.timeout_seconds = 120});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("compiled index"), std::string::npos) << imported.out;
  std::vector<std::string> stale = attribute;
  stale.insert(stale.end(), {"--index", dir_ + "/old.index"});
  ProcessResult refused = RunPal(stale, {.timeout_seconds = 120});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("stale"), std::string::npos) << refused.err;
  ProcessResult fresh = RunPal(named, {.timeout_seconds = 120});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.err;
}

TEST_F(PalIndexOnPostgres, PartsOfTheUsageMergeToTheSingleRunsReportByteForByte) {
  const std::vector<std::string> files = {Usage("focus_2026-q3.csv"), Usage("ea_actualcost_2026-09.csv")};
  ProcessResult single = RunPal({"attribute", "--quiet", "--db", db_.uri(), "--usage", files[0], files[1], "--out",
                          dir_ + "/single.csv", "--unattributed", dir_ + "/single_un.csv"},
                         {.timeout_seconds = 120});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  for (size_t i = 0; i < files.size(); ++i) {
    ProcessResult part = RunPal({"attribute", "--quiet", "--db", db_.uri(), "--usage", files[i], "--partial",
                          dir_ + "/part" + std::to_string(i) + ".bin"},
                         {.timeout_seconds = 120});
    ASSERT_EQ(part.exit_code, 0) << part.err;
  }
  ProcessResult merged = RunPal({"merge", "--quiet", dir_ + "/part1.bin", dir_ + "/part0.bin", "--out", dir_ + "/merged.csv",
                          "--unattributed", dir_ + "/merged_un.csv"},
                         {.timeout_seconds = 120});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(SlurpFile(dir_ + "/merged.csv"), SlurpFile(dir_ + "/single.csv"));
  EXPECT_EQ(SlurpFile(dir_ + "/merged_un.csv"), SlurpFile(dir_ + "/single_un.csv"));

  // Parts credited against two directory versions (an import between them) are refused, not merged silently.
  ProcessResult before = RunPal({"attribute", "--quiet", "--db", db_.uri(), "--usage", files[0], "--partial",
                          dir_ + "/before.bin"},
                         {.timeout_seconds = 120});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  ProcessResult imported = RunPal({"import", Snapshot("2026-10-01"), "--db", db_.uri()}, {.timeout_seconds = 120});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  ProcessResult after = RunPal({"attribute", "--quiet", "--db", db_.uri(), "--usage", files[1], "--partial",
                         dir_ + "/after.bin"},
                        {.timeout_seconds = 120});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  ProcessResult mixed = RunPal({"merge", "--quiet", dir_ + "/before.bin", dir_ + "/after.bin", "--out", dir_ + "/mixed.csv"},
                        {.timeout_seconds = 120});
  EXPECT_NE(mixed.exit_code, 0) << "parts of two directory versions must not merge silently: " << mixed.out;
}

}  // namespace
}  // namespace openpal::testing
