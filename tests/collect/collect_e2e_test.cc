// `pal collect` end to end against the fake Graph + ARM + token server: the collected snapshot imports and holds
// the same facts as a hand-made snapshot of the same world; faults, throttling and refusals are survived or
// reported per tenant and kind; a snapshot is never half-written.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "core/model.h"
#include "fake_cloud.h"
#include "store/store.h"
#include "support/process.h"

namespace openpal::collect::testing {
namespace {
namespace fs = std::filesystem;

struct PalRun {
  int status = -1;
  std::string output;  // standard output and error, interleaved
};

// Runs `pal args` (split on spaces), at most `seconds`.
PalRun RunPal(const std::string& args, int seconds = 120) {
  openpal::testing::ProcessResult r = openpal::testing::RunPal(
      openpal::testing::SplitArgs(args), {.timeout_seconds = seconds, .stderr_to_stdout = true});
  return {r.exit_code, r.out};
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("openpal_collect_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The common flags pointing pal collect at the fake, with a secret file.
std::string CollectArgs(const FakeCloud& cloud, const FakeWorld& world, const TempDir& dir, const std::string& out) {
  std::ofstream(dir / "secret") << world.secret << "\n";
  std::string args = "collect --out " + out + " --authority " + cloud.url() + " --graph " + cloud.url() + " --arm " +
                     cloud.url() + " --client-id " + world.client_id + " --client-secret-file " + (dir / "secret") +
                     " --backoff-ms 1 --max-attempts 10";
  for (const auto& t : world.tenants) args += " --tenant " + t.id;
  return args;
}

// Every fact of every kind in a store, keyed by kind, key and interval, for comparing two stores.
std::map<std::string, FactValue> AllFacts(const std::string& db) {
  std::map<std::string, FactValue> out;
  auto store = OpenSqliteStore(db);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  for (int k = 0; k <= static_cast<int>(FactKind::kPartnerLink); ++k) {
    auto kind = static_cast<FactKind>(k);
    auto facts = (*store)->LoadFacts(kind, Interval{Timestamp::Min(), Timestamp::Max()});
    EXPECT_TRUE(facts.ok()) << facts.status().ToString();
    if (!facts.ok()) continue;
    for (const AnyFact& f : *facts)
      out.emplace(std::string(FactKindName(kind)) + " " + FactTenant(f.value) + " " + FactKey(f.value) + " " +
                      f.valid.ToString(),
                  f.value);
  }
  return out;
}

TEST(PalCollect, TheCollectedSnapshotHoldsTheSameFactsAsAHandMadeOneDespiteFaults) {
  FakeWorld world = MakeWorld(11, WorldSize{});
  FaultPlan plan;
  plan.throttle = 0.05;
  plan.unavailable = 0.03;
  plan.server_error = 0.03;
  FakeCloud cloud(world, plan);
  TempDir dir;
  PalRun run = RunPal(CollectArgs(cloud, world, dir, dir / "collected"));
  ASSERT_EQ(run.status, 0) << run.output;
  for (const auto& v : cloud.Violations()) ADD_FAILURE() << v;
  EXPECT_GT(cloud.faults(), 10u) << "the fake should have failed some requests";
  EXPECT_GT(cloud.requests(), 600u);
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find(".partial-"), std::string::npos) << "draft left: " << entry.path();

  // Files as expected: every user (active and deleted), every group, the caller's link.
  const std::string customer = dir / ("collected/tenants/" + world.tenants[1].id);
  auto users = nlohmann::json::parse(Slurp(customer + "/users.json"));
  EXPECT_EQ(users.size(), world.tenants[1].users.size());
  auto groups = nlohmann::json::parse(Slurp(customer + "/groups.json"));
  EXPECT_EQ(groups.size(), world.tenants[1].groups.size());
  auto assignments = nlohmann::json::parse(Slurp(customer + "/roleAssignments.json"));
  EXPECT_EQ(assignments.size(), world.tenants[1].assignments.size());
  auto links = nlohmann::json::parse(
      Slurp(dir / ("collected/tenants/" + world.tenants[0].id + "/partnerLinks.json")));
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0]["partnerId"], "4242424");
  EXPECT_FALSE(fs::exists(dir / ("collected/tenants/" + world.tenants[0].id + "/managementGroups.json")))
      << "a tenant without a management-group hierarchy has no tree file";

  // The same world, assembled by hand with the collected snapshot's asOf.
  std::string as_of = nlohmann::json::parse(Slurp(dir / "collected/snapshot.json"))["asOf"];
  WriteHandMadeSnapshot(world, dir / "hand", as_of);
  PalRun a = RunPal("import " + (dir / "collected") + " --db " + (dir / "collected.db"));
  ASSERT_EQ(a.status, 0) << a.output;
  PalRun b = RunPal("import " + (dir / "hand") + " --db " + (dir / "hand.db"));
  ASSERT_EQ(b.status, 0) << b.output;
  auto collected = AllFacts(dir / "collected.db");
  auto hand = AllFacts(dir / "hand.db");
  EXPECT_GT(hand.size(), 5000u);
  EXPECT_EQ(collected.size(), hand.size());
  size_t shown = 0;
  for (const auto& [key, value] : hand) {
    auto it = collected.find(key);
    if (it == collected.end()) {
      if (shown++ < 10) ADD_FAILURE() << "missing from the collected store: " << key;
    } else if (!(it->second == value)) {
      if (shown++ < 10) ADD_FAILURE() << "different value in the collected store: " << key;
    }
  }
  for (const auto& [key, value] : collected)
    if (!hand.count(key) && shown++ < 20) ADD_FAILURE() << "only in the collected store: " << key;
}

TEST(PalCollect, ACertificateSignsAClientAssertionTheAuthorityVerifies) {
  FakeWorld world = MakeWorld(5, WorldSize{60, 2, 10, 12, 3, 3, 80, 2});
  FakeCloud cloud(world, FaultPlan{});
  TempDir dir;
  std::ofstream(dir / "app.pem") << MakeSelfSignedPem("openpal-collect-test");
  cloud.TrustCertificate(Slurp(dir / "app.pem"));
  std::string args = "collect --out " + (dir / "snap") + " --authority " + cloud.url() + " --graph " + cloud.url() +
                     " --arm " + cloud.url() + " --client-id " + world.client_id + " --certificate " + (dir / "app.pem") +
                     " --tenant " + world.tenants[1].id;
  PalRun run = RunPal(args);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(cloud.assertions(), 2u) << "one assertion per tenant and scope (Graph, ARM), tokens reused";
  for (const auto& v : cloud.Violations()) ADD_FAILURE() << v;

  // A certificate the authority does not trust is refused, and nothing is written.
  std::ofstream(dir / "other.pem") << MakeSelfSignedPem("someone-else");
  std::string other = args;
  other.replace(other.find(dir / "app.pem"), (dir / "app.pem").size(), dir / "other.pem");
  other.replace(other.find(dir / "snap"), (dir / "snap").size(), dir / "snap2");
  PalRun refused = RunPal(other);
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("x5t"), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(dir / "snap2"));
}

TEST(PalCollect, AKindThatKeepsFailingIsLeftOutAndReportedPerTenant) {
  FakeWorld world = MakeWorld(3, WorldSize{80, 2, 10, 12, 4, 3, 120, 2});
  FaultPlan plan;
  plan.always_fail = "/providers/Microsoft.Authorization/roleAssignments";
  FakeCloud cloud(world, plan);
  TempDir dir;
  PalRun run = RunPal(CollectArgs(cloud, world, dir, dir / "snap"));
  EXPECT_EQ(run.status, 3) << run.output;
  EXPECT_NE(run.output.find("roleAssignments"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("FAILED: GET /subscriptions/"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("AuthorizationFailed"), std::string::npos) << run.output;
  for (const auto& t : world.tenants) {
    std::string folder = dir / ("snap/tenants/" + t.id);
    EXPECT_TRUE(fs::exists(folder + "/users.json")) << t.id;
    EXPECT_TRUE(fs::exists(folder + "/subscriptions.json")) << t.id;
    EXPECT_FALSE(fs::exists(folder + "/roleAssignments.json")) << "a failed kind is absent (= unchanged), never partial";
  }
  auto report = nlohmann::json::parse(Slurp(dir / "snap/collect-report.json"));
  EXPECT_EQ(report["complete"], false);
  PalRun import = RunPal("import " + (dir / "snap") + " --db " + (dir / "db"));
  EXPECT_EQ(import.status, 0) << import.output;
}

TEST(PalCollect, ThrottlingWithoutEndGivesUpWithinTheLimitAndWritesNothing) {
  FakeWorld world = MakeWorld(3, WorldSize{10, 0, 3, 2, 1, 1, 5, 0});
  FaultPlan plan;
  plan.throttle = 1.0;
  FakeCloud cloud(world, plan);
  TempDir dir;
  std::string args = CollectArgs(cloud, world, dir, dir / "snap");
  args.replace(args.find("--max-attempts 10"), 17, "--max-attempts 3");
  PalRun run = RunPal(args, 60);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("gave up after 3 attempts"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("nothing was written"), std::string::npos) << run.output;
  EXPECT_EQ(cloud.requests(), 3u * world.tenants.size() * 2) << "3 attempts per token, per tenant and scope";
  EXPECT_TRUE(fs::is_empty(dir.path()) || !fs::exists(dir / "snap")) << "no snapshot and no draft left";
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().find("snap"), std::string::npos) << entry.path();
}

TEST(PalCollect, ATenantTheAppCannotSignInToIsReportedAndTheOthersCollected) {
  FakeWorld world = MakeWorld(3, WorldSize{10, 0, 3, 2, 1, 1, 5, 0});
  FakeCloud cloud(world, FaultPlan{});
  TempDir dir;
  const std::string stranger = "dddddddd-0000-4000-8000-00000000000d";
  PalRun run = RunPal(CollectArgs(cloud, world, dir, dir / "snap") + " --tenant " + stranger);
  EXPECT_EQ(run.status, 3) << run.output;
  EXPECT_NE(run.output.find("AADSTS90002"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(dir / ("snap/tenants/" + stranger)));
  EXPECT_TRUE(fs::exists(dir / ("snap/tenants/" + world.tenants[1].id + "/users.json")));
}

TEST(PalCollect, AnExistingFolderIsNeverOverwritten) {
  FakeWorld world = MakeWorld(3, WorldSize{10, 0, 3, 2, 1, 1, 5, 0});
  FakeCloud cloud(world, FaultPlan{});
  TempDir dir;
  fs::create_directories(dir / "snap");
  std::ofstream(dir / "snap/keep.txt") << "mine";
  PalRun run = RunPal(CollectArgs(cloud, world, dir, dir / "snap"));
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("already exists"), std::string::npos) << run.output;
  EXPECT_EQ(Slurp(dir / "snap/keep.txt"), "mine");
  EXPECT_EQ(cloud.requests(), 0u);
}

TEST(PalCollect, ATerminalShowsProgressAndAPipeDoesNot) {
  if (openpal::testing::Run("sh", {"-c", "command -v script"}).exit_code != 0)
    GTEST_SKIP() << "util-linux `script` not installed";
  FakeWorld world = MakeWorld(3, WorldSize{1500, 0, 3, 2, 1, 1, 5, 0});
  FakeCloud cloud(world, FaultPlan{});
  TempDir dir;
  // `script` runs pal with a pseudo-terminal as stdin/stdout/stderr.
  std::string output =
      openpal::testing::Run("script",
                            {"-qec", openpal::testing::PalBinary() + " " + CollectArgs(cloud, world, dir, dir / "tty"),
                             "/dev/null"},
                            {.timeout_seconds = 60, .stderr_to_stdout = true})
          .out;
  EXPECT_NE(output.find(world.tenants[1].id + ": users 1000"), std::string::npos) << output;
  PalRun piped = RunPal(CollectArgs(cloud, world, dir, dir / "piped"));
  EXPECT_EQ(piped.status, 0) << piped.output;
  EXPECT_EQ(piped.output.find(": users 1000"), std::string::npos) << piped.output;
}

TEST(PalCollect, HelpNamesEveryFlagAndBadUsageExitsWithTwo) {
  PalRun help = RunPal("collect --help");
  EXPECT_EQ(help.status, 0) << help.output;
  for (const char* text : {"--tenant", "--out", "--authority", "--client-id", "--client-secret-file", "--certificate",
                           "--graph", "--arm", "Examples:", "docs/collect.md"})
    EXPECT_NE(help.output.find(text), std::string::npos) << text;
  EXPECT_EQ(RunPal("collect --out x").status, 2);
  TempDir dir;
  std::ofstream(dir / "secret") << "value\n";
  PalRun bad = RunPal("collect --tenant not-a-guid --out " + (dir / "never") + " --client-id x --client-secret-file " +
                      (dir / "secret"));
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("a tenant ID is a GUID, not 'not-a-guid'"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(dir / "never"));
}

}  // namespace
}  // namespace openpal::collect::testing
