// `pal import` end to end: the built binary on the demo snapshots, a bad snapshot, and --help.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include "snapshot_fixture.h"
#include "support/process.h"

namespace openpal::ingest::testing {
namespace {

struct PalRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs the pal binary with `args` (and environment assignments `env`, e.g. "OPENPAL_DB=x"), time-bounded.
PalRun RunPal(const std::string& args, const std::string& env = "") {
  openpal::testing::ProcessResult r = openpal::testing::RunPal(
      openpal::testing::SplitArgs(args), {.env = openpal::testing::SplitArgs(env), .stderr_to_stdout = true});
  return {r.exit_code, r.out};
}

const std::string kDemo = std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots";

TEST(PalImport, ImportsTheFourDemoSnapshotsInOrderAndARepeatChangesNothing) {
  SnapshotWorld w;
  for (const char* date : {"2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"}) {
    PalRun run = RunPal("import " + kDemo + "/" + date + " --db " + w.DbPath());
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("imported"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("roleAssignment"), std::string::npos) << run.output;
  }
  PalRun repeat = RunPal("import " + kDemo + "/2026-10-01 --db " + w.DbPath());
  EXPECT_EQ(repeat.status, 0) << repeat.output;
  EXPECT_NE(repeat.output.find("unchanged, not written"), std::string::npos) << repeat.output;
  PalRun older = RunPal("import " + kDemo + "/2026-08-01 --db " + w.DbPath());
  EXPECT_EQ(older.status, 1) << older.output;
  EXPECT_NE(older.output.find("older than the newest snapshot"), std::string::npos) << older.output;
}

TEST(PalImport, TheDatabaseComesFromOpenpalDbWhenNoFlagIsGiven) {
  SnapshotWorld w;
  PalRun with_env = RunPal("import " + kDemo + "/2026-07-01", "OPENPAL_DB=" + w.DbPath());
  EXPECT_EQ(with_env.status, 0) << with_env.output;
  EXPECT_NE(with_env.output.find(w.DbPath()), std::string::npos) << with_env.output;
  EXPECT_GT(w.Facts(FactKind::kRoleAssignment).size(), 0u);
}

TEST(PalImport, BadInputExitsWithOneAndNamesTheFileLineAndPath) {
  SnapshotWorld w;
  w.Begin("bad", "2026-07-01T00:00:00Z");
  w.TenantFile("bad", kTenantA, "users.json", "[\n  {\"id\": \"nope\"}\n]");
  PalRun run = RunPal("import " + w.Dir("bad") + " --db " + w.DbPath());
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("tenants/" + kTenantA + "/users.json:2: $[0].id: not a GUID: 'nope'"), std::string::npos)
      << run.output;
  EXPECT_EQ(w.Facts(FactKind::kTenant).size(), 0u);
}

TEST(PalImport, HelpDocumentsEveryFlagWithAnExample) {
  PalRun run = RunPal("import --help");
  EXPECT_EQ(run.status, 0) << run.output;
  for (const char* text : {"SNAPSHOT_DIR", "--as-of", "--assume-since", "--db", "OPENPAL_DB", "Examples:",
                           "pal import demo/snapshots/2026-07-01"})
    EXPECT_NE(run.output.find(text), std::string::npos) << text << "\n" << run.output;
  PalRun usage = RunPal("import");
  EXPECT_EQ(usage.status, 2) << usage.output;
}

}  // namespace
}  // namespace openpal::ingest::testing
