// Properties: crediting does not depend on row order or on how usage is split into files; the reconciliation balances.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/paths.h"
#include "engine/report_query.h"
#include "engine/report_writer.h"
#include "engine/run.h"
#include "world.h"

namespace openpal::engine::testing {
namespace {

std::vector<std::string> RandomUsageLines(std::mt19937& rng, int n) {
  std::vector<std::string> lines;
  for (int i = 0; i < n; ++i) {
    int sub = 1 + static_cast<int>(rng() % 3), rg = static_cast<int>(rng() % 3), d = static_cast<int>(rng() % 70);
    int hours = static_cast<int>(rng() % 48);
    Timestamp start = Timestamp::FromSeconds(1767225600LL + d * 86400LL);
    Timestamp end = Timestamp::FromSeconds(start.micros / 1000000 + hours * 3600LL);
    std::string resource = "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000" + std::to_string(sub) +
                           "/resourceGroups/rg" + std::to_string(rg) + "/providers/Microsoft.Web/sites/s" +
                           std::to_string(rng() % 4);
    std::string cost = std::to_string(rng() % 1000) + "." + std::to_string(rng() % 1000000);
    const char* currency = rng() % 4 ? "USD" : "EUR";
    lines.push_back(FormatIsoTime(start) + "," + FormatIsoTime(end) + "," + cost + "," + currency + "," + resource);
    if (rng() % 50 == 0) lines.push_back("broken,row," + cost + "," + currency + ",x");
  }
  return lines;
}

std::string RunFiles(const DirectoryIndex& index, const std::vector<std::string>& lines, int files, const std::string& tag,
                     uint64_t split_bytes = 64ull << 20, int threads = 2, std::string* rejected_log = nullptr) {
  const std::string header = "ChargePeriodStart,ChargePeriodEnd,EffectiveCost,BillingCurrency,ResourceId\n";
  AttributeOptions options;
  options.split_bytes = split_bytes;
  options.threads = threads;
  for (int f = 0; f < files; ++f) {
    std::string path = ::testing::TempDir() + "/prop_" + tag + "_" + std::to_string(f) + ".csv";
    std::ofstream out(path, std::ios::binary);
    out << header;
    for (size_t i = static_cast<size_t>(f); i < lines.size(); i += static_cast<size_t>(files)) out << lines[i] << "\n";
    options.files.push_back(path);
  }
  std::ostringstream rejected;  // file:line of every rejected row, in file order: the same however the file is split
  options.rejected_log = &rejected;
  auto result = RunAttribution(index, RolePolicy::All(), options);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (rejected_log) *rejected_log = rejected.str();
  for (const auto& c : result->reconciliation) EXPECT_TRUE(c.balances()) << c.currency;
  return ResultText(*result);
}

TEST(Properties, CreditingIsIndependentOfRowOrderAndFileSplitAndAlwaysReconciles) {
  for (int seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(static_cast<unsigned>(seed));
    World world = RandomWorld(rng);
    auto index = DirectoryIndex::Build(world.facts);
    auto lines = RandomUsageLines(rng, 400);
    std::string baseline = RunFiles(*index, lines, 1, "a");
    std::shuffle(lines.begin(), lines.end(), rng);
    EXPECT_EQ(RunFiles(*index, lines, 1, "b"), baseline);
    EXPECT_EQ(RunFiles(*index, lines, 5, "c"), baseline);
    // Each file read as two halves on two threads, then merged; and as 3, 4 and 7 parts: the same credit, and the
    // same rejected rows at the same physical lines, in file order.
    std::string whole_log, split_log;
    EXPECT_EQ(RunFiles(*index, lines, 2, "d", 64ull << 20, 1, &whole_log), baseline);
    EXPECT_NE(whole_log.find("rejected: "), std::string::npos);  // the lines hold malformed rows
    for (int threads : {2, 3, 4, 7}) {
      EXPECT_EQ(RunFiles(*index, lines, 2, "d", /*split_bytes=*/1, threads, &split_log), baseline);
      EXPECT_EQ(split_log, whole_log) << threads << " threads";
    }
  }
}

TEST(Properties, ASplitPointInsideAQuotedFieldFallsBackToReadingTheFileWhole) {
  std::mt19937 rng(5);
  World world = RandomWorld(rng);
  auto index = DirectoryIndex::Build(world.facts);
  // One row whose quoted ResourceId holds many line breaks, placed in the middle: the split lands inside it.
  auto lines = RandomUsageLines(rng, 100);
  std::string quoted = "2026-01-05T00:00:00Z,2026-01-06T00:00:00Z,7,USD,\"/subscriptions/x" + std::string(4000, '\n') + "y\"";
  lines.insert(lines.begin() + 50, quoted);
  lines.push_back("broken");  // a rejected row after the split: its line must be the physical one
  std::string whole = RunFiles(*index, lines, 1, "w");
  EXPECT_EQ(RunFiles(*index, lines, 1, "s", /*split_bytes=*/1), whole);
  for (int threads : {3, 5}) EXPECT_EQ(RunFiles(*index, lines, 1, "q", /*split_bytes=*/1, threads), whole);
  std::ostringstream log;
  AttributeOptions options;
  options.files = {::testing::TempDir() + "/prop_s_0.csv"};
  options.split_bytes = 1;
  options.rejected_log = &log;
  ASSERT_TRUE(RunAttribution(*index, RolePolicy::All(), options).ok());
  std::ostringstream expected_line;
  expected_line << ":" << (1 + 50 + 4001 + (lines.size() - 51 - 1)) + 1 << ": has 1 fields";
  EXPECT_NE(log.str().find(expected_line.str()), std::string::npos) << log.str();
}

TEST(Properties, CreditingFileByFileWithSharedProfilesEqualsAFreshRunPerFile) {
  // AttributeEachFile (pal attribute --save) builds the profiles once for all the files; the blocks' cell caches,
  // which name cells of the attributors of the file before, must not carry over.
  for (int seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(static_cast<unsigned>(seed));
    World world = RandomWorld(rng);
    auto index = DirectoryIndex::Build(world.facts);
    AttributeOptions options;
    options.split_bytes = 1;  // several parts, so several threads' slots are used
    for (int f = 0; f < 4; ++f) {
      std::string path = ::testing::TempDir() + "/each_" + std::to_string(seed) + "_" + std::to_string(f) + ".csv";
      std::ofstream out(path, std::ios::binary);
      out << "ChargePeriodStart,ChargePeriodEnd,EffectiveCost,BillingCurrency,ResourceId\n";
      for (const auto& line : RandomUsageLines(rng, 150 + 50 * f)) out << line << "\n";
      options.files.push_back(path);
    }
    std::vector<std::string> each_text;
    auto sum = AttributeEachFile(*index, RolePolicy::All(), options, [&](const FileResult& file) {
      each_text.push_back(ResultText(file.result));
      return Status::Ok();
    });
    ASSERT_TRUE(sum.ok()) << sum.status().ToString();
    ASSERT_EQ(each_text.size(), options.files.size());
    for (size_t f = 0; f < options.files.size(); ++f) {
      AttributeOptions one = options;
      one.files = {options.files[f]};
      auto fresh = RunAttribution(*index, RolePolicy::All(), one);
      ASSERT_TRUE(fresh.ok());
      EXPECT_EQ(each_text[f], ResultText(*fresh)) << options.files[f];
    }
    // The files' sum (what --save prints) is what one run over them all gives.
    auto whole = RunAttribution(*index, RolePolicy::All(), options);
    ASSERT_TRUE(whole.ok());
    EXPECT_EQ(ResultText(*sum), ResultText(*whole));
    EXPECT_EQ(sum->rows_read, whole->rows_read);
    EXPECT_EQ(sum->rows_rejected_without_cost, whole->rows_rejected_without_cost);
    EXPECT_EQ(sum->distinct_scopes, whole->distinct_scopes);
  }
}

TEST(Properties, RejectedRowLinesArePhysicalWhenAFileIsSplit) {
  std::mt19937 rng(6);
  World world = RandomWorld(rng);
  auto index = DirectoryIndex::Build(world.facts);
  std::vector<std::string> lines = RandomUsageLines(rng, 200);
  std::vector<std::string> clean;
  for (auto& l : lines)
    if (l.rfind("broken", 0) != 0) clean.push_back(l);
  clean.push_back("bad,row");  // physical line = rows + 2 (header is line 1)
  std::string path = ::testing::TempDir() + "/split_lines.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "ChargePeriodStart,ChargePeriodEnd,EffectiveCost,BillingCurrency,ResourceId\n";
    for (auto& l : clean) out << l << "\n";
  }
  for (int threads : {2, 3, 6}) {
    SCOPED_TRACE(threads);
    std::ostringstream log;
    AttributeOptions options;
    options.files = {path};
    options.split_bytes = 1;
    options.threads = threads;
    options.rejected_log = &log;
    auto result = RunAttribution(*index, RolePolicy::All(), options);
    ASSERT_TRUE(result.ok());
    EXPECT_NE(log.str().find("split_lines.csv:" + std::to_string(clean.size() + 1) + ": has 2 fields"),
              std::string::npos)
        << log.str();
  }
}

TEST(Properties, CreditNeverExceedsCostPerPartnerRowAndIsCreditedRowsFullCost) {
  std::mt19937 rng(99);
  World world = RandomWorld(rng);
  auto index = DirectoryIndex::Build(world.facts);
  Attributor a(*index, RolePolicy::All());
  auto lines = RandomUsageLines(rng, 300);
  (void)lines;
  for (int i = 0; i < 300; ++i) {
    int d = static_cast<int>(rng() % 70);
    std::string start = FormatIsoTime(Timestamp::FromSeconds(1767225600LL + d * 86400LL));
    std::string end = FormatIsoTime(Timestamp::FromSeconds(1767225600LL + (d + 1) * 86400LL));
    std::string resource = "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000" + std::to_string(1 + rng() % 3);
    a.AddRow(Row(resource, start.c_str(), end.c_str(), "1"));
  }
  auto result = a.Finish();
  for (const auto& r : result.report) {
    EXPECT_LE(r.attributed_cost.units, r.total_cost.units);
    EXPECT_GT(r.attributed_cost.units, 0);
  }
  for (const auto& c : result.reconciliation) EXPECT_TRUE(c.balances());
}

// The crediting profile (built from memoised parent profiles and principal steps, never listing paths) equals the
// profile of the paths `pal explain` lists, for every scope kind, on random worlds with management groups, groups,
// Lighthouse and grants on resources: explain and crediting can never disagree.
TEST(Properties, CreditingProfilesEqualTheProfilesOfExplainedPaths) {
  auto same = [](const TenantProfile& a, const TenantProfile& b) {
    if (!(a.access == b.access && a.linked == b.linked && a.enabled == b.enabled && a.partner_valid == b.partner_valid))
      return false;
    if (a.partners.size() != b.partners.size()) return false;
    for (size_t i = 0; i < a.partners.size(); ++i) {
      const auto &x = a.partners[i], &y = b.partners[i];
      if (x.partner_id != y.partner_id || !(x.qualifying == y.qualifying) || x.roles != y.roles) return false;
    }
    return true;
  };
  for (int seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(static_cast<unsigned>(seed));
    World world = RandomWorld(rng);
    auto day = [&](int d) { return Timestamp::FromSeconds(1767225600LL + d * 86400LL); };
    const std::string sub = "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001";
    const std::string vm = sub + "/resourceGroups/rg0/providers/Microsoft.Compute/virtualMachines/vm1";
    const std::string disk = vm + "/extensions/e1";
    // A management-group chain that moves, grants on it and on resources, and Lighthouse.
    world.Group(kTenant, "mg1", "mg2", Interval{day(0), day(30)});
    world.Group(kTenant, "mg2", kTenant, Interval{day(0), Timestamp::Max()});
    world.Placement("aaaaaaaa-0000-4000-8000-000000000001", kTenant, Interval{day(10), day(40)}, "mg1");
    world.Assign(kTenant, "/providers/Microsoft.Management/managementGroups/mg2", "cccccccc-0000-4000-8000-000000000002",
                 kOwnerRole, Interval{day(5), day(50)});
    world.Assign(kTenant, vm, kGroup, kContributorRole, Interval{day(3), day(33)}, AssigneeType::kGroup);
    world.Assign(kTenant, disk, "cccccccc-0000-4000-8000-000000000003", kReaderRole, Interval{day(1), day(20)});
    world.User(kManagingTenant, "eeeeeeee-0000-4000-8000-000000000001", Interval{day(0), Timestamp::Max()});
    world.Link(kManagingTenant, "eeeeeeee-0000-4000-8000-000000000001", "1000002", Interval{day(2), Timestamp::Max()});
    world.Lighthouse(sub, kManagingTenant, "eeeeeeee-0000-4000-8000-000000000001", kContributorRole,
                     Interval{day(4), day(44)}, /*eligible=*/rng() % 2 == 0);
    auto index = DirectoryIndex::Build(world.facts);
    PathCache shared;  // memo across scopes, as one crediting thread keeps it
    for (const std::string& text : {sub, sub + "/resourceGroups/rg0", sub + "/resourceGroups/rg1", vm, disk,
                                    std::string("/subscriptions/aaaaaaaa-0000-4000-8000-000000000002/resourceGroups/rg1")}) {
      SCOPED_TRACE(text);
      auto scope = Scope::Parse(text);
      ASSERT_TRUE(scope.ok());
      const RolePolicy policy = seed % 3 == 0 ? RolePolicy::Pec() : RolePolicy::All();
      TenantProfile listed = BuildTenantProfile(FindPaths(*index, *scope, kTenant, policy));
      PathCache fresh;
      EXPECT_TRUE(same(ProfileOf(*index, *scope, kTenant, policy, fresh), listed));
      EXPECT_TRUE(same(ProfileOf(*index, *scope, kTenant, policy, shared), listed));
    }
  }
}

}  // namespace
}  // namespace openpal::engine::testing
