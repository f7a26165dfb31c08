// Which saved rows a report reads: the newest run of each usage file (by path), or one run; grouping sums exactly.
#include <gtest/gtest.h>

#include "engine/report_query.h"

namespace openpal::engine {
namespace {

RunInfo SavedRunInfo(int64_t id, std::vector<std::string> paths) {
  RunInfo r;
  r.run_id = id;
  for (size_t i = 0; i < paths.size(); ++i) r.files.push_back(RunFile{static_cast<int>(i), paths[i], "", 0});
  return r;
}

TEST(SelectRunFiles, EachFileIsReadFromTheNewestRunThatReadIt) {
  // Run 1 read a and b; run 2 re-read b; run 3 read c. b comes from run 2 only, so nothing is counted twice.
  std::vector<RunInfo> runs = {SavedRunInfo(1, {"/u/a.csv", "/u/b.csv"}), SavedRunInfo(2, {"/u/b.csv"}), SavedRunInfo(3, {"/u/c.csv"})};
  auto files = SelectRunFiles(runs, std::nullopt);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, (std::vector<RunFileRef>{{1, 0}, {2, 0}, {3, 0}}));
  EXPECT_EQ(RunIdsOf(*files), (std::vector<int64_t>{1, 2, 3}));
}

TEST(SelectRunFiles, ARunIdReadsAllOfThatRunAndAnUnknownOneIsRunNotFound) {
  std::vector<RunInfo> runs = {SavedRunInfo(1, {"/u/a.csv", "/u/b.csv"}), SavedRunInfo(2, {"/u/b.csv"})};
  auto files = SelectRunFiles(runs, 1);
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(*files, (std::vector<RunFileRef>{{1, 0}, {1, 1}}));
  auto missing = SelectRunFiles(runs, 7);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

SavedReportRow Row(const char* partner, const char* customer, const char* month, const char* currency,
                   const char* total, const char* attributed) {
  SavedReportRow r;
  r.partner_id = partner;
  r.partner_name = std::string("P") + partner;
  r.customer_tenant_id = customer;
  r.subscription_id = "s";
  r.month = month;
  r.currency = currency;
  r.admin_type = "Owner";
  r.usage_rows = 1;
  r.total_cost = total;
  r.attributed_cost = attributed;
  return r;
}

TEST(GroupInfluence, FiltersGroupsAndSumsExactlyPerCurrency) {
  const char* t1 = "10000000-0000-4000-8000-000000000001";
  const char* t2 = "10000000-0000-4000-8000-000000000002";
  std::vector<SavedReportRow> rows = {Row("1", t1, "2026-08", "USD", "0.1", "0.1"),
                                      Row("1", t1, "2026-09", "USD", "0.2", "0.1000000001"),
                                      Row("1", t2, "2026-09", "EUR", "5", "2.5"),
                                      Row("2", t1, "2026-09", "USD", "100", "100")};
  ReportQuery q;
  q.partner = "1";
  q.from = "2026-08";
  q.to = "2026-09";
  q.by = {GroupBy::kCustomer};
  auto report = GroupInfluence(rows, q, {{t1, "Adatum"}});
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_EQ(report.rows[0].customer_name, "Adatum");
  EXPECT_EQ(usage::FormatMoney(report.rows[0].total_cost), "0.3") << "0.1 + 0.2 is exactly 0.3";
  EXPECT_EQ(usage::FormatMoney(report.rows[0].attributed_cost), "0.2000000001");
  EXPECT_EQ(report.rows[0].usage_rows, 2);
  EXPECT_EQ(report.rows[1].currency, "EUR");
  ASSERT_EQ(report.totals.size(), 2u);
  EXPECT_EQ(report.totals[0].currency, "EUR");
  EXPECT_EQ(usage::FormatMoney(report.totals[1].total_cost), "0.3") << "partner 2's row is filtered out";

  q.from = "2026-09";
  q.customer = "10000000-0000-4000-8000-000000000001";
  q.by = {};
  report = GroupInfluence(rows, q, {});
  ASSERT_EQ(report.rows.size(), 1u) << "no grouping: one row per currency";
  EXPECT_EQ(usage::FormatMoney(report.rows[0].total_cost), "0.2");
}

TEST(ParseGroupBy, AcceptsCommaListsInOrderAndRefusesUnknownOrRepeated) {
  auto by = ParseGroupBy({"month,partner", "adminType"});
  ASSERT_TRUE(by.ok());
  EXPECT_EQ(*by, (std::vector<GroupBy>{GroupBy::kMonth, GroupBy::kPartner, GroupBy::kAdminType}));
  EXPECT_EQ(ParseGroupBy({"region"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseGroupBy({"month,month"}).status().code(), StatusCode::kInvalidArgument);
}

TEST(ValidateQuery, MonthsAreYYYYMMInOrderAndCustomersAreGuids) {
  ReportQuery q;
  q.from = "2026-9";
  EXPECT_FALSE(ValidateQuery(q).ok());
  q.from = "2026-10";
  q.to = "2026-09";
  EXPECT_FALSE(ValidateQuery(q).ok());
  q.to = "2026-12";
  EXPECT_TRUE(ValidateQuery(q).ok());
  q.customer = "contoso";
  EXPECT_FALSE(ValidateQuery(q).ok());
}

}  // namespace
}  // namespace openpal::engine
