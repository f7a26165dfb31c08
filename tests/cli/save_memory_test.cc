// `pal attribute --save` memory does not grow with the number of usage files: the peak resident memory of saving
// eight copies of a usage file stays within 1.2x of that of saving one. The copies make the printed report and the
// crediting state the same size in both runs, so the difference is what --save keeps per file. (Until each file's
// rows were written to temporary files as the file ended, every file's report rows stayed in memory until the save.)
// The world and usage come from the attribution benchmark's generator, at a small size.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process.h"

namespace {

using openpal::testing::ProcessResult;

// Runs `argv` with standard output and error discarded, at most `seconds`; its exit code and peak resident memory.
ProcessResult RunChild(const std::vector<std::string>& argv, int seconds = 120) {
  return openpal::testing::Run(argv[0], {argv.begin() + 1, argv.end()},
                               {.timeout_seconds = seconds, .stdout_path = "/dev/null", .stderr_path = "/dev/null"});
}

class SaveMemory : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/openpal-save-memory-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ProcessResult gen = RunChild({OPENPAL_BENCH_GEN, dir_, "--tenants", "2000", "--assignments", "40000", "--links", "10000",
                    "--rows", "100000"});
    ASSERT_EQ(gen.exit_code, 0) << "attribution_bench_gen failed";
    for (int i = 0; i < kFiles; ++i) {
      std::string copy = dir_ + "/usage" + std::to_string(i) + ".csv";
      std::filesystem::create_hard_link(dir_ + "/usage.csv", copy);  // another path: another file to openpal
      files_.push_back(copy);
    }
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Peak memory of `pal attribute --save` over the first `n` copies, each run into a fresh copy of the world.
  ProcessResult Save(int n) {
    const std::string db = dir_ + "/run" + std::to_string(n) + ".db";
    std::filesystem::copy_file(dir_ + "/world.db", db);
    std::vector<std::string> args = {openpal::testing::PalBinary(), "attribute", "--quiet", "--save", "--threads", "1", "--db", db,
                                     "--out", "/dev/null", "--usage"};
    args.insert(args.end(), files_.begin(), files_.begin() + n);
    return RunChild(args);
  }

  static constexpr int kFiles = 8;
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(SaveMemory, SavingEightFilesPeaksWithinAFifthOfSavingOne) {
  ProcessResult one = Save(1);
  ASSERT_EQ(one.exit_code, 0);
  ProcessResult several = Save(kFiles);
  ASSERT_EQ(several.exit_code, 0);
  // 1.2x, as the benchmark (bench/attribution/save_memory.sh) asks at full size, plus SQLite's page cache (64 MiB a
  // connection, src/store/sqlite/connection.cc), which one small file's save does not fill but eight files' do; it
  // holds the transaction's pages whatever the number of files. Keeping every file's rows, as before, added 7 more
  // files' worth of report rows: 208 MiB for 1 file, 393 MiB for 8.
  EXPECT_LE(several.max_rss_kib, one.max_rss_kib * 12 / 10 + 64 * 1024)
      << "peak " << one.max_rss_kib / 1024 << " MiB for 1 file, " << several.max_rss_kib / 1024 << " MiB for "
      << kFiles << " copies of it";
  RecordProperty("peak_kib_1", std::to_string(one.max_rss_kib));
  RecordProperty("peak_kib_several", std::to_string(several.max_rss_kib));
  std::printf("peak resident memory: %ld MiB for 1 file, %ld MiB for %d files\n", one.max_rss_kib / 1024,
              several.max_rss_kib / 1024, kFiles);
}

}  // namespace
