// `pal attribute --save`'s temporary files: every saved row comes back exactly as it would have been saved from
// memory (any text, file by file, in order), and a run saved from them reads back identical from the store.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/report_query.h"
#include "engine/run_spill.h"
#include "store/store.h"
#include "world.h"

namespace openpal::engine {
namespace {

using testing::From;
using testing::kSub;
using testing::kTenant;
using testing::World;

Money M(const char* text) { return *usage::ParseMoney(text); }

// A file's result with text that a line-based format would break on, and a long name.
FileResult FirstFile() {
  FileResult f;
  f.path = "relative/a.csv";
  f.sha256 = std::string(64, 'a');
  f.result.rows_read = 12;
  f.result.report = {
      ReportRow{"4100011", "Contoso, \"Seattle\"\nsecond line", kTenant, kSub, "2026-09", "EUR", "Owner", 7,
                M("123.4567890123"), M("61.5")},
      ReportRow{"4100012", std::string(70000, 'x'), "", "", "2026-08", "USD", "", 0, M("0"), M("-0.0000000001")}};
  f.result.unattributed = {UnattributedRow{kSub, "2026-09", "EUR", "NO_LINK", 2, M("5")},
                           UnattributedRow{"", "2026-10", "EUR", "NO_SCOPE", 3, M("0.0000000001")}};
  f.result.reconciliation = {CurrencyReconciliation{"EUR", 7, 5, 0, M("135"), M("130"), M("5"), M("0"), M("61.5")}};
  return f;
}

FileResult SecondFile() {
  FileResult f;
  f.path = "/data/b.csv";
  f.sha256 = std::string(64, 'b');
  f.result.rows_read = 1;
  f.result.report = {ReportRow{"4200011", "Fabrikam Berlin", kTenant, kSub, "2026-07", "EUR", "Contributor", 1,
                               M("3"), M("3")}};
  f.result.reconciliation = {CurrencyReconciliation{"EUR", 1, 0, 0, M("3"), M("3"), M("0"), M("0"), M("3")}};
  return f;
}

std::unique_ptr<DirectoryIndex> Index() {
  World world;
  world.Placement(kSub, kTenant, From("2026-01-01T00:00:00Z"));
  return DirectoryIndex::Build(world.facts);
}

template <typename T, typename Next>
std::vector<T> ReadAll(Next next) {
  std::vector<T> rows;
  T row;
  for (;;) {
    auto more = next(row);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) return rows;
    rows.push_back(row);
  }
}

TEST(RunSpill, RowsComeBackExactlyFileByFileInOrder) {
  auto index = Index();
  auto spill = RunSpill::Create();
  ASSERT_TRUE(spill.ok()) << spill.status().ToString();
  RunSpill& s = **spill;
  ASSERT_TRUE(s.Add(FirstFile(), *index).ok());
  ASSERT_TRUE(s.Add(SecondFile(), *index).ok());
  EXPECT_EQ(s.report_rows(), 3u);
  ASSERT_EQ(s.info().files.size(), 2u);
  EXPECT_EQ(s.info().files[0].path, (std::filesystem::current_path() / "relative/a.csv").string());
  EXPECT_EQ(s.info().files[0].rows, 12);
  EXPECT_EQ(s.info().files[1].index, 1);
  EXPECT_EQ(s.info().files[1].sha256, std::string(64, 'b'));
  EXPECT_EQ(s.info().from, "2026-07");
  EXPECT_EQ(s.info().to, "2026-10");

  ASSERT_TRUE(s.StartReading().ok());
  auto report = ReadAll<SavedReportRow>([&](SavedReportRow& r) { return s.NextReport(r); });
  ASSERT_EQ(report.size(), 3u);
  EXPECT_EQ(report[0].file_index, 0);
  EXPECT_EQ(report[0].partner_name, "Contoso, \"Seattle\"\nsecond line");
  EXPECT_EQ(report[0].total_cost, "123.4567890123");
  EXPECT_EQ(report[0].usage_rows, 7);
  EXPECT_EQ(report[1].partner_name, std::string(70000, 'x'));
  EXPECT_EQ(report[1].customer_tenant_id, "");
  EXPECT_EQ(report[1].attributed_cost, "-0.0000000001");
  EXPECT_EQ(report[2].file_index, 1);
  EXPECT_EQ(report[2].admin_type, "Contributor");
  auto unattributed = ReadAll<SavedUnattributedRow>([&](SavedUnattributedRow& r) { return s.NextUnattributed(r); });
  ASSERT_EQ(unattributed.size(), 2u);
  EXPECT_EQ(unattributed[0].customer_tenant_id, kTenant) << "the tenant holding the subscription that month";
  EXPECT_EQ(unattributed[0].reason, "NO_LINK");
  EXPECT_EQ(unattributed[1].customer_tenant_id, "") << "NO_SCOPE has no tenant";
  EXPECT_EQ(unattributed[1].total_cost, "0.0000000001");
  auto reconciliation = ReadAll<SavedReconciliation>([&](SavedReconciliation& r) { return s.NextReconciliation(r); });
  ASSERT_EQ(reconciliation.size(), 2u);
  EXPECT_EQ(reconciliation[0].rows_not_credited, 5);
  EXPECT_EQ(reconciliation[0].attributed, "61.5");
  EXPECT_EQ(reconciliation[1].file_index, 1);
}

TEST(RunSpill, RowsCannotBeReadBeforeOrAddedAfterReading) {
  auto index = Index();
  auto spill = RunSpill::Create();
  ASSERT_TRUE(spill.ok());
  SavedReportRow row;
  EXPECT_FALSE((*spill)->NextReport(row).ok());
  ASSERT_TRUE((*spill)->StartReading().ok());
  EXPECT_FALSE((*spill)->Add(FirstFile(), *index).ok());
}

TEST(RunSpill, ADirectoryThatCannotHoldItIsAClearError) {
  auto spill = RunSpill::Create("/nonexistent-openpal-dir");
  ASSERT_FALSE(spill.ok());
  EXPECT_NE(spill.status().ToString().find("/nonexistent-openpal-dir"), std::string::npos) << spill.status().ToString();
}

TEST(RunSpill, ARunSavedFromItReadsBackAsSaved) {
  auto index = Index();
  auto spill = RunSpill::Create();
  ASSERT_TRUE(spill.ok());
  ASSERT_TRUE((*spill)->Add(FirstFile(), *index).ok());
  ASSERT_TRUE((*spill)->Add(SecondFile(), *index).ok());
  const std::string db = ::testing::TempDir() + "/run_spill_test.db";
  std::filesystem::remove(db);
  auto store = OpenSqliteStore(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto id = SaveAttributionRun(**store, **spill, "pec", "billed");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  RunStore* runs = RunsOf(**store);
  auto listed = runs->ListRuns();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].role_policy, "pec");
  EXPECT_EQ((*listed)[0].measure, "billed");
  EXPECT_EQ((*listed)[0].from, "2026-07");
  ASSERT_EQ((*listed)[0].files.size(), 2u);
  EXPECT_EQ((*listed)[0].files[1].path, "/data/b.csv");
  auto report = runs->LoadReportRows({{*id, 0}, {*id, 1}}, std::nullopt);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->size(), 3u);
  EXPECT_EQ((*report)[0].partner_name, "Contoso, \"Seattle\"\nsecond line");
  EXPECT_EQ((*report)[1].partner_name.size(), 70000u);
  EXPECT_EQ((*report)[2].partner_id, "4200011");
  auto unattributed = runs->LoadUnattributedRows({{*id, 0}});
  ASSERT_TRUE(unattributed.ok());
  ASSERT_EQ(unattributed->size(), 2u);
  EXPECT_EQ((*unattributed)[0].customer_tenant_id, kTenant);
  auto reconciliation = runs->LoadReconciliation({{*id, 0}, {*id, 1}});
  ASSERT_TRUE(reconciliation.ok());
  ASSERT_EQ(reconciliation->size(), 2u);
  EXPECT_EQ((*reconciliation)[0].read, "135");
}

}  // namespace
}  // namespace openpal::engine
