// Saved attribution runs: stored whole, read back exactly, listed newest last, and immutable in the database itself.
#include <gtest/gtest.h>

#include <sstream>

#include "store/runs.h"
#include "store_test_util.h"

namespace openpal::testing {
namespace {

class RunsTest : public TempStoreTest {
 protected:
  RunStore& runs() {
    RunStore* r = RunsOf(*store_);
    EXPECT_NE(r, nullptr);
    return *r;
  }

  // A run over two files of September: one partner credited in EUR, one unattributed group.
  static SavedRun SeptemberRun(const std::string& path_b) {
    SavedRun run;
    run.info.created = Timestamp::FromSeconds(1790000000);
    run.info.role_policy = "all";
    run.info.measure = "effective";
    run.info.from = "2026-09";
    run.info.to = "2026-09";
    run.info.files = {RunFile{0, "/data/a.csv", std::string(64, 'a'), 10}, RunFile{1, path_b, std::string(64, 'b'), 5}};
    run.report = {SavedReportRow{0, "4100011", "Contoso, Seattle", "t3", "s3", "2026-09", "EUR", "Contributor", 7,
                                 "123.4567890123", "61.5"},
                  SavedReportRow{1, "4200011", "Fabrikam Berlin", "t5", "s6", "2026-09", "EUR", "Owner", 2, "3", "3"}};
    run.unattributed = {SavedUnattributedRow{1, "", "", "2026-09", "EUR", "NO_SCOPE", 3, "0.0000000001"}};
    run.reconciliation = {SavedReconciliation{0, "EUR", 7, 3, 0, "130", "123.4567890123", "6.5432109877", "0", "61.5"}};
    return run;
  }
};

TEST_P(RunsTest, ASavedRunReadsBackExactlyWithIncreasingIds) {
  auto first = runs().SaveRun(SeptemberRun("/data/b.csv"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = runs().SaveRun(SeptemberRun("/data/c.csv"));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_GT(*second, *first) << "a newer run has a higher ID";

  auto list = runs().ListRuns();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  const RunInfo& info = list->front();
  EXPECT_EQ(info.run_id, *first);
  EXPECT_EQ(info.created, Timestamp::FromSeconds(1790000000));
  EXPECT_EQ(info.role_policy, "all");
  EXPECT_EQ(info.measure, "effective");
  EXPECT_EQ(info.from, "2026-09");
  ASSERT_EQ(info.files.size(), 2u);
  EXPECT_EQ(info.files[1].path, "/data/b.csv");
  EXPECT_EQ(info.files[1].sha256, std::string(64, 'b'));
  EXPECT_EQ(info.files[1].rows, 5);
  EXPECT_EQ((*list)[1].files[1].path, "/data/c.csv");

  auto rows = runs().LoadReportRows({RunFileRef{*first, 0}, RunFileRef{*first, 1}}, std::nullopt);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].partner_name, "Contoso, Seattle");
  EXPECT_EQ((*rows)[0].total_cost, "123.4567890123") << "amounts are kept as exact decimal text";
  EXPECT_EQ((*rows)[0].usage_rows, 7);
  EXPECT_EQ((*rows)[1].file_index, 1);

  auto only = runs().LoadReportRows({RunFileRef{*first, 0}, RunFileRef{*first, 1}}, std::string("4200011"));
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ(only->front().admin_type, "Owner");

  auto unattributed = runs().LoadUnattributedRows({RunFileRef{*second, 1}});
  ASSERT_TRUE(unattributed.ok());
  ASSERT_EQ(unattributed->size(), 1u);
  EXPECT_EQ(unattributed->front().reason, "NO_SCOPE");
  EXPECT_EQ(unattributed->front().total_cost, "0.0000000001");

  auto rec = runs().LoadReconciliation({RunFileRef{*first, 0}});
  ASSERT_TRUE(rec.ok());
  ASSERT_EQ(rec->size(), 1u);
  EXPECT_EQ(rec->front().not_credited, "6.5432109877");
  EXPECT_EQ(rec->front().attributed, "61.5");
}

TEST_P(RunsTest, TheDatabaseRefusesToChangeOrDeleteAnySavedRow) {
  auto id = runs().SaveRun(SeptemberRun("/data/b.csv"));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  const std::string run = std::to_string(*id);
  const std::vector<std::string> forbidden = {
      "UPDATE runs SET measure = 'billed' WHERE run_id = " + run,
      "DELETE FROM runs WHERE run_id = " + run,
      "UPDATE run_files SET sha256 = 'x' WHERE run_id = " + run,
      "DELETE FROM run_files WHERE run_id = " + run,
      "UPDATE run_report_rows SET attributed_cost = '999' WHERE run_id = " + run,
      "DELETE FROM run_report_rows WHERE run_id = " + run,
      "UPDATE run_unattributed_rows SET reason = 'NO_ACCESS' WHERE run_id = " + run,
      "DELETE FROM run_unattributed_rows",
      "UPDATE run_reconciliation SET read = '0'",
      "DELETE FROM run_reconciliation",
  };
  for (const auto& sql : forbidden) {
    std::string error;
    EXPECT_NE(RawExec(sql, &error), SQLITE_OK) << sql;
    EXPECT_NE(error.find("saved runs are immutable"), std::string::npos) << sql << ": " << error;
  }
  auto rows = runs().LoadReportRows({RunFileRef{*id, 0}}, std::nullopt);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().attributed_cost, "61.5") << "nothing changed";
}

TEST_P(RunsTest, AFailedSaveLeavesNoPartOfTheRun) {
  SavedRun bad = SeptemberRun("/data/b.csv");
  bad.info.files.push_back(bad.info.files.front());  // the same file index twice violates the primary key
  auto id = runs().SaveRun(bad);
  EXPECT_FALSE(id.ok());
  auto list = runs().ListRuns();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty()) << "a run is saved whole or not at all";
}

// Hands over a run's rows one at a time, as `pal attribute --save` does from its temporary files; optionally fails
// after `fail_after` report rows.
class RowsOneByOne : public SavedRowSource {
 public:
  explicit RowsOneByOne(const SavedRun& run, int fail_after = -1) : run_(run), fail_after_(fail_after) {}
  Result<bool> NextReport(SavedReportRow& row) override {
    if (report_ == static_cast<size_t>(fail_after_)) return Status::Error(StatusCode::kIoError, "disk gone");
    if (report_ == run_.report.size()) return false;
    row = run_.report[report_++];
    return true;
  }
  Result<bool> NextUnattributed(SavedUnattributedRow& row) override {
    if (unattributed_ == run_.unattributed.size()) return false;
    row = run_.unattributed[unattributed_++];
    return true;
  }
  Result<bool> NextReconciliation(SavedReconciliation& row) override {
    if (reconciliation_ == run_.reconciliation.size()) return false;
    row = run_.reconciliation[reconciliation_++];
    return true;
  }

 private:
  const SavedRun& run_;
  int fail_after_;
  size_t report_ = 0, unattributed_ = 0, reconciliation_ = 0;
};

TEST_P(RunsTest, ARunSavedRowByRowReadsBackAsOneSavedWhole) {
  const SavedRun run = SeptemberRun("/data/b.csv");
  auto whole = runs().SaveRun(run);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  RowsOneByOne rows(run);
  auto streamed = runs().SaveRunFrom(run.info, rows);
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  auto list = runs().ListRuns();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].files.size(), (*list)[1].files.size());
  EXPECT_EQ((*list)[1].from, "2026-09");
  auto load = [&](int64_t id) {
    std::vector<RunFileRef> files = {RunFileRef{id, 0}, RunFileRef{id, 1}};
    std::ostringstream text;
    auto report = runs().LoadReportRows(files, std::nullopt);
    auto unattributed = runs().LoadUnattributedRows(files);
    auto reconciliation = runs().LoadReconciliation(files);
    EXPECT_TRUE(report.ok() && unattributed.ok() && reconciliation.ok());
    if (!report.ok() || !unattributed.ok() || !reconciliation.ok()) return std::string();
    for (const auto& r : *report)
      text << r.file_index << '|' << r.partner_id << '|' << r.partner_name << '|' << r.customer_tenant_id << '|'
           << r.subscription_id << '|' << r.month << '|' << r.currency << '|' << r.admin_type << '|' << r.usage_rows
           << '|' << r.total_cost << '|' << r.attributed_cost << '\n';
    for (const auto& r : *unattributed)
      text << r.file_index << '|' << r.customer_tenant_id << '|' << r.subscription_id << '|' << r.month << '|'
           << r.currency << '|' << r.reason << '|' << r.usage_rows << '|' << r.total_cost << '\n';
    for (const auto& r : *reconciliation)
      text << r.file_index << '|' << r.currency << '|' << r.rows_credited << '|' << r.rows_not_credited << '|'
           << r.rows_rejected << '|' << r.read << '|' << r.credited << '|' << r.not_credited << '|' << r.rejected
           << '|' << r.attributed << '\n';
    return text.str();
  };
  EXPECT_EQ(load(*streamed), load(*whole));
  EXPECT_NE(load(*streamed).find("Contoso, Seattle"), std::string::npos);
}

TEST_P(RunsTest, ARowSourceThatFailsMidwayLeavesNoPartOfTheRun) {
  const SavedRun run = SeptemberRun("/data/b.csv");
  RowsOneByOne rows(run, /*fail_after=*/1);
  auto id = runs().SaveRunFrom(run.info, rows);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().ToString().find("disk gone"), std::string::npos) << id.status().ToString();
  auto list = runs().ListRuns();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty()) << "a run is saved whole or not at all";
  std::string error;
  EXPECT_EQ(RawExec("INSERT INTO runs (created, role_policy, measure, from_month, to_month) VALUES (1, 'all',"
                    " 'effective', '', '')", &error), SQLITE_OK)
      << "the failed save's transaction was closed: " << error;
}

INSTANTIATE_BACKENDS(RunsTest);

}  // namespace
}  // namespace openpal::testing
