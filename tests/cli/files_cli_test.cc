// `pal` end to end against failing outputs and bad arguments (issue 12): a write that fails is exit 1 naming the
// path, `--db ""` is refused, invalid UTF-8 reaches JSON output as U+FFFD, a foreign database is left untouched,
// and two imports into a brand-new store both succeed.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "links_process.h"

namespace openpal::testing {
namespace {

namespace fs = std::filesystem;

// Runs `pal args...` with standard output on /dev/full (a device where every write fails with ENOSPC).
ProcessResult RunPalToDevFull(const std::vector<std::string>& args) {
  return RunPal(args, {.stdout_path = "/dev/full"});
}

class PalFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = TempDir("pal-files");
    db_ = dir_ + "/demo.db";
    error_ = ImportDemoWorld(db_);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  void SetUp() override { ASSERT_EQ(error_, ""); }
  static std::string Usage() { return std::string(OPENPAL_SOURCE_DIR) + "/demo/usage/focus_2026-q3.csv"; }
  static inline std::string dir_, db_, error_;
};

TEST_F(PalFiles, AReportThatCannotBeWrittenIsExitOneNamingThePath) {
  // A small report: it fits in the stream's buffer, so only the flush at the end meets the full device (before the
  // fix, that failure went unseen and the exit status was 0).
  const std::string usage = dir_ + "/small.csv";
  std::ofstream(usage) << "Date,Cost,BillingCurrency,SubscriptionId,ResourceId\n"
                       << "2026-09-01,1.5,EUR,20000000-0000-4000-8000-000000000015,"
                       << "/subscriptions/20000000-0000-4000-8000-000000000015\n"
                       << "2026-09-01,2,EUR,29999999-0000-4000-8000-000000000015,\n";
  ProcessResult out = RunPal({"attribute", "--db", db_, "--usage", usage, "--quiet", "--out", "/dev/full"});
  EXPECT_EQ(out.exit_code, 1) << out.err;
  EXPECT_NE(out.err.find("/dev/full"), std::string::npos) << out.err;
  ProcessResult unattributed = RunPal({"attribute", "--db", db_, "--usage", usage, "--quiet", "--out", dir_ + "/r.csv",
                                "--unattributed", "/dev/full"});
  EXPECT_EQ(unattributed.exit_code, 1) << unattributed.err;
  EXPECT_NE(unattributed.err.find("/dev/full"), std::string::npos) << unattributed.err;
  ProcessResult missing = RunPal({"attribute", "--db", db_, "--usage", usage, "--quiet", "--out", dir_ + "/no/such/r.csv"});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
}

TEST_F(PalFiles, EveryCommandWritingToAFullStandardOutputExitsOne) {
  const std::vector<std::vector<std::string>> commands = {
      {"attribute", "--db", db_, "--usage", Usage(), "--quiet"},
      {"attribute", "--db", db_, "--usage", Usage(), "--quiet", "--output", "json"},
      {"links", "--db", db_},
      {"links", "--db", db_, "--output", "json"},
      {"explain", "--db", db_, "--resource", "/subscriptions/20000000-0000-4000-8000-000000000015", "--at",
       "2026-09-15"},
      {"report", "--db", db_, "--list-runs"},
      {"token", "--db", db_, "--tenant", "10000000-0000-4000-8000-000000000013", "--object",
       "30000000-0000-4000-8000-130000000001"},
  };
  for (const auto& args : commands) {
    ProcessResult r = RunPalToDevFull(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("standard output"), std::string::npos) << args[0] << ": " << r.err;
  }
}

TEST_F(PalFiles, AnEmptyDbPathIsRefusedNotTakenForTheDefault) {
  for (const char* command : {"links", "report", "explain", "import", "attribute"}) {
    ProcessResult r = RunPal({command, "--db", ""});
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err;
    EXPECT_NE(r.err.find("empty string"), std::string::npos) << command << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists("openpal.db")) << "no store is created in the working folder";
}

TEST_F(PalFiles, InvalidUtf8InACostExportComesOutOfJsonAsReplacementCharacters) {
  const std::string usage = dir_ + "/utf8.csv";
  std::ofstream(usage, std::ios::binary)
      << "Date,Cost,BillingCurrency,SubscriptionId,ResourceId\n"
      << "2026-09-01,1.5,EUR,2000\xff-bad,/subscriptions/2000\xff-bad/resourceGroups/r\xc0\n";
  ProcessResult r = RunPal({"attribute", "--db", db_, "--usage", usage, "--quiet", "--output", "json", "--unattributed",
                     dir_ + "/u.json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // before the fix: nlohmann's type_error 316, abort
  EXPECT_NE(SlurpFile(dir_ + "/u.json").find("\xEF\xBF\xBD"), std::string::npos) << SlurpFile(dir_ + "/u.json");
  ProcessResult e = RunPal({"explain", "--db", db_, "--resource",
                     "/subscriptions/20000000-0000-4000-8000-000000000015/resourceGroups/r\xff", "--at", "2026-09-15",
                     "--output", "json"});
  EXPECT_EQ(e.exit_code, 0) << e.err;  // before the fix: abort
  EXPECT_NE(e.out.find("resourceGroups/r\xEF\xBF\xBD"), std::string::npos) << e.out;
}

TEST_F(PalFiles, AForeignDatabaseIsLeftUntouchedByEveryCommand) {
  const std::string foreign = dir_ + "/foreign.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine');", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string before = SlurpFile(foreign);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"links", "--db", foreign},
        std::vector<std::string>{"import", std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots/2026-07-01", "--db",
                                 foreign}}) {
    ProcessResult r = RunPal(args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_NE(r.err.find("not an openpal store"), std::string::npos) << r.err;
  }
  EXPECT_EQ(SlurpFile(foreign), before);
  EXPECT_FALSE(fs::exists(foreign + "-wal"));
}

TEST_F(PalFiles, TwoImportsIntoABrandNewStoreBothSucceed) {
  const std::string snapshot = std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots/2026-07-01";
  for (int round = 0; round < 5; ++round) {
    const std::string db = dir_ + "/new" + std::to_string(round) + ".db";
    ProcessResult runs[2];
    std::thread a([&] { runs[0] = RunPal({"import", snapshot, "--db", db}); });
    std::thread b([&] { runs[1] = RunPal({"import", snapshot, "--db", db}); });
    a.join();
    b.join();
    for (const ProcessResult& r : runs) EXPECT_EQ(r.exit_code, 0) << "round " << round << ": " << r.err;
  }
}

}  // namespace
}  // namespace openpal::testing
