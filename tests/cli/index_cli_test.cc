// `pal index build`, `--index`, `--partial` and `pal merge` end to end on the demo world (issue 16): the compiled
// index gives the same report as the store, a stale one is refused when named and rebuilt when it is the default,
// and parts merge to the single run's report byte for byte.
#include <gtest/gtest.h>

#include <fstream>

#include "links_process.h"

namespace openpal::testing {
namespace {

namespace fs = std::filesystem;

class PalIndex : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = TempDir("pal-index");
    db_ = dir_ + "/demo.db";
    error_ = ImportDemoWorld(db_);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  void SetUp() override { ASSERT_EQ(error_, ""); }
  static std::string Usage(const char* name) { return std::string(OPENPAL_SOURCE_DIR) + "/demo/usage/" + name; }
  static inline std::string dir_, db_, error_;
};

TEST_F(PalIndex, TheCompiledIndexGivesTheStoresReportAndAStaleOneIsNeverUsed) {
  const std::string index = db_ + ".index";
  fs::remove(index);
  ProcessResult from_store = RunPal({"attribute", "--quiet", "--db", db_, "--usage", Usage("focus_2026-q3.csv")});
  ASSERT_EQ(from_store.exit_code, 0) << from_store.err;
  ProcessResult built = RunPal({"index", "build", "--db", db_});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  ASSERT_TRUE(fs::exists(index));
  ProcessResult from_index =
      RunPal({"attribute", "--quiet", "--db", db_, "--index", index, "--usage", Usage("focus_2026-q3.csv")});
  ASSERT_EQ(from_index.exit_code, 0) << from_index.err;
  EXPECT_EQ(from_index.out, from_store.out);
  ProcessResult explained = RunPal({"explain", "--db", db_, "--index", index, "--resource",
                             "/subscriptions/20000000-0000-4000-8000-000000000009", "--at", "2026-08-20"});
  EXPECT_EQ(explained.exit_code, 0) << explained.err;

  // A copy of the store changes without its index: named, the index is refused; as the default, it is rebuilt.
  const std::string copy = dir_ + "/copy.db";
  fs::copy_file(db_, copy, fs::copy_options::overwrite_existing);
  fs::copy_file(index, copy + ".index", fs::copy_options::overwrite_existing);
  ProcessResult fresh = RunPal({"attribute", "--quiet", "--db", copy, "--index", copy + ".index", "--usage",
                         Usage("focus_2026-q3.csv")});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;  // same store ID and version: the copy's index is fresh
  // The last snapshot again, seen two weeks later: a committed import, so the directory version grows.
  ProcessResult link = RunPal({"import", std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots/2026-10-01", "--as-of",
                        "2026-10-15T00:00:00Z", "--db", copy});
  ASSERT_EQ(link.exit_code, 0) << link.err;
  // The import rebuilt the existing default index: it is fresh again.
  EXPECT_NE(link.out.find("compiled index"), std::string::npos) << link.out;
  fs::copy_file(index, copy + ".index", fs::copy_options::overwrite_existing);  // the old one back: stale
  ProcessResult refused = RunPal({"attribute", "--quiet", "--db", copy, "--index", copy + ".index", "--usage",
                           Usage("focus_2026-q3.csv")});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("stale"), std::string::npos) << refused.err;
  ProcessResult rebuilt = RunPal({"attribute", "--quiet", "--db", copy, "--usage", Usage("focus_2026-q3.csv")});
  EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_NE(rebuilt.err.find("was stale"), std::string::npos) << rebuilt.err;
}

TEST_F(PalIndex, PartsOfTheUsageMergeToTheSingleRunsReportByteForByte) {
  const std::vector<std::string> files = {Usage("focus_2026-q3.csv"), Usage("ea_actualcost_2026-09.csv")};
  const std::string report = dir_ + "/single.csv", unattributed = dir_ + "/single_un.csv";
  ProcessResult single = RunPal({"attribute", "--quiet", "--db", db_, "--usage", files[0], files[1], "--out", report,
                          "--unattributed", unattributed});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  for (size_t i = 0; i < files.size(); ++i) {
    ProcessResult part = RunPal({"attribute", "--quiet", "--db", db_, "--usage", files[i], "--partial",
                          dir_ + "/part" + std::to_string(i) + ".bin"});
    ASSERT_EQ(part.exit_code, 0) << part.err;
  }
  ProcessResult merged = RunPal({"merge", "--quiet", dir_ + "/part1.bin", dir_ + "/part0.bin", "--out", dir_ + "/merged.csv",
                          "--unattributed", dir_ + "/merged_un.csv"});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(SlurpFile(dir_ + "/merged.csv"), SlurpFile(report));
  EXPECT_EQ(SlurpFile(dir_ + "/merged_un.csv"), SlurpFile(unattributed));
  EXPECT_FALSE(SlurpFile(report).empty());
  ProcessResult twice = RunPal({"merge", dir_ + "/part0.bin", dir_ + "/part0.bin"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("counted twice"), std::string::npos) << twice.err;
}

// Byte ranges of one file (`--range START:END`): three parts cut at arbitrary offsets, merged in any order, give the
// single run's report, unattributed file and standard error (rejected rows numbered in the whole file); a missing
// range is refused, and so is --range without --partial.
TEST_F(PalIndex, ByteRangesOfOneFileMergeToTheSingleRunsReportAndStandardError) {
  // The demo export with a few rejected rows, so the listing's line numbers are compared too.
  const std::string file = dir_ + "/ranged.csv";
  std::string text = SlurpFile(Usage("focus_2026-q3.csv"));
  for (size_t at = text.size() / 7, k = 0; k < 5; ++k, at += text.size() / 6) {
    at = text.find('\n', at) + 1;
    text.insert(at, "not,a,row\n");
  }
  { std::ofstream(file, std::ios::binary) << text; }
  const std::string report = dir_ + "/ranged_single.csv", unattributed = dir_ + "/ranged_single_un.csv";
  ProcessResult single = RunPal({"attribute", "--db", db_, "--usage", file, "--out", report, "--unattributed", unattributed});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  ASSERT_NE(single.err.find("rejected: " + file + ":"), std::string::npos) << single.err;
  const std::vector<std::string> ranges = {"0:100", "100:" + std::to_string(text.size() / 2 + 3),
                                           std::to_string(text.size() / 2 + 3) + ":" + std::to_string(text.size())};
  for (size_t i = 0; i < ranges.size(); ++i) {
    ProcessResult part = RunPal({"attribute", "--quiet", "--db", db_, "--usage", file, "--range", ranges[i], "--partial",
                          dir_ + "/range" + std::to_string(i) + ".bin"});
    ASSERT_EQ(part.exit_code, 0) << part.err;
  }
  ProcessResult merged = RunPal({"merge", dir_ + "/range2.bin", dir_ + "/range0.bin", dir_ + "/range1.bin", "--out",
                          dir_ + "/ranged_merged.csv", "--unattributed", dir_ + "/ranged_merged_un.csv"});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(SlurpFile(dir_ + "/ranged_merged.csv"), SlurpFile(report));
  EXPECT_EQ(SlurpFile(dir_ + "/ranged_merged_un.csv"), SlurpFile(unattributed));
  // Standard error: the rejected rows and the reconciliation are the run's; the last line says what was merged.
  auto without_last_line = [](std::string s) { return s.substr(0, s.rfind('\n', s.size() - 2) + 1); };
  EXPECT_EQ(without_last_line(merged.err), without_last_line(single.err));
  ProcessResult missing = RunPal({"merge", dir_ + "/range0.bin", dir_ + "/range2.bin"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("in no part"), std::string::npos) << missing.err;
  ProcessResult no_part = RunPal({"attribute", "--db", db_, "--usage", file, "--range", "0:100"});
  EXPECT_EQ(no_part.exit_code, 2);
  ProcessResult reversed = RunPal({"attribute", "--db", db_, "--usage", file, "--range", "9:3", "--partial", dir_ + "/x.bin"});
  EXPECT_EQ(reversed.exit_code, 2);
}

// `pal merge --save` keeps the merged run as `pal attribute --save` keeps the single run: the same inputs (paths,
// SHA-256, rows), and `pal report` reads the same rows from both.
TEST_F(PalIndex, MergeSaveKeepsTheRunThatAttributeSaveKeeps) {
  const std::string db = dir_ + "/save.db";
  fs::copy_file(db_, db, fs::copy_options::overwrite_existing);
  const std::vector<std::string> files = {Usage("focus_2026-q3.csv"), Usage("ea_actualcost_2026-09.csv")};
  ProcessResult single = RunPal({"attribute", "--quiet", "--db", db, "--usage", files[0], files[1], "--save"});
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const std::string cut = std::to_string(fs::file_size(files[0]) / 3);
  const std::vector<std::vector<std::string>> parts = {
      {"--usage", files[0], "--range", "0:" + cut}, {"--usage", files[0], "--range", cut + ":" + std::to_string(fs::file_size(files[0]))},
      {"--usage", files[1]}};
  std::vector<std::string> merge = {"merge", "--quiet", "--save", "--db", db};
  for (size_t i = 0; i < parts.size(); ++i) {
    std::vector<std::string> args = {"attribute", "--quiet", "--db", db, "--partial", dir_ + "/save" + std::to_string(i) + ".bin"};
    args.insert(args.end(), parts[i].begin(), parts[i].end());
    ProcessResult part = RunPal(args);
    ASSERT_EQ(part.exit_code, 0) << part.err;
    merge.push_back(dir_ + "/save" + std::to_string(i) + ".bin");
  }
  ProcessResult merged = RunPal(merge);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  for (const char* by : {"partner", "partner,customer,subscription,month,adminType"}) {
    ProcessResult a = RunPal({"report", "--db", db, "--run", "1", "--output", "csv", "--by", by});
    ProcessResult b = RunPal({"report", "--db", db, "--run", "2", "--output", "csv", "--by", by});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_EQ(a.out, b.out) << by;
    EXPECT_FALSE(a.out.empty());
  }
  // The runs' inputs: the same files, checksums and rows, in the same order.
  ProcessResult runs = RunPal({"report", "--db", db, "--list-runs", "--output", "json"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  auto inputs_of = [&](const std::string& run_json) {
    const size_t at = run_json.find("\"files\"");
    return run_json.substr(at, run_json.find(']', at) - at);
  };
  const size_t second = runs.out.find("\"files\"", runs.out.find("\"files\"") + 1);
  ASSERT_NE(second, std::string::npos) << runs.out;
  EXPECT_EQ(inputs_of(runs.out), inputs_of(runs.out.substr(second))) << runs.out;
  // A store whose directory is not the parts' is refused.
  const std::string moved = dir_ + "/moved.db";
  fs::copy_file(db_, moved, fs::copy_options::overwrite_existing);
  ProcessResult link = RunPal({"import", std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots/2026-10-01", "--as-of",
                        "2026-10-15T00:00:00Z", "--db", moved});
  ASSERT_EQ(link.exit_code, 0) << link.err;
  ProcessResult other = RunPal({"merge", "--quiet", "--save", "--db", moved, merge[5], merge[6], merge[7]});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("not this database's directory"), std::string::npos) << other.err;
}

}  // namespace
}  // namespace openpal::testing
