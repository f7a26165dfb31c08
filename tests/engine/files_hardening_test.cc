// Cost exports attacked (issue 12): CR line ends, amounts too large to sum, inputs that are not regular files, and
// invalid UTF-8 reaching the JSON writers.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/explain.h"
#include "engine/report_writer.h"
#include "ingest/usage/usage_reader.h"

namespace openpal::usage {
namespace {

namespace fs = std::filesystem;

std::string TempFile(const std::string& name, const std::string& content) {
  std::string path = (fs::temp_directory_path() / ("openpal_files_" + std::to_string(::getpid()) + "_" + name)).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

struct Counts {
  int rows = 0, rejected = 0;
  std::vector<RejectedRow> rejections;
  Money sum;
};

Counts ReadAll(const std::string& path) {
  Counts c;
  auto reader = UsageReader::Open(path, Measure::kEffective);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return c;
  UsageRow row;
  RejectedRow rejected;
  for (;;) {
    auto got = (*reader)->Read(row, rejected);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || *got == UsageReader::Outcome::kEnd) break;
    if (*got == UsageReader::Outcome::kRow) {
      ++c.rows;
      c.sum += row.amount;
    } else {
      ++c.rejected;
      c.rejections.push_back(rejected);
    }
  }
  return c;
}

// ---- 2: CR, LF and CRLF line ends ----

TEST(CostExportLineEnds, CrOnlyFilesAreReadLikeLfAndCrlfOnes) {
  const std::vector<std::string> lines = {"Date,Cost,BillingCurrency,SubscriptionId,ResourceId",
                                          "2026-09-01,1.5,EUR,s1,/subscriptions/s1",
                                          "2026-09-02,2.5,EUR,s1,/subscriptions/s1",
                                          "2026-09-03,bad,EUR,s1,/subscriptions/s1"};
  for (const char* end : {"\n", "\r\n", "\r"}) {
    std::string text;
    for (const auto& l : lines) text += l + end;
    std::string path = TempFile("cr.csv", text);
    Counts c = ReadAll(path);
    EXPECT_EQ(c.rows, 2) << "line end " << static_cast<int>(end[0]) << "," << static_cast<int>(end[1]);
    ASSERT_EQ(c.rejected, 1);
    EXPECT_EQ(c.rejections[0].line, 4u);  // lines are counted at CRs too
    EXPECT_EQ(FormatMoney(c.sum), "4");
    fs::remove(path);
  }
}

TEST(CostExportLineEnds, ACrAtTheEndOfTheFirstReadIsDecidedByTheNextByte) {
  // The first buffer is 1 MiB: a header padded so that its CR is the buffer's last byte.
  std::string header = "Date,Cost,BillingCurrency,SubscriptionId,ResourceId,Pad";
  std::string pad((1 << 20) - header.size() - 1, 'p');
  std::string text = header + pad + "\r2026-09-01,1.5,EUR,s1,/r,x\r2026-09-02,1,EUR,s1,/r,x\r";
  std::string path = TempFile("edge.csv", text);
  Counts c = ReadAll(path);
  EXPECT_EQ(c.rows, 2);
  EXPECT_EQ(c.rejected, 0);
  fs::remove(path);
}

// ---- 4: amounts that cannot be summed exactly ----

TEST(MoneySums, AmountsTooLargeToSumAreRefusedWithTheirLine) {
  std::string text = "Date,Cost,BillingCurrency,SubscriptionId,ResourceId\n";
  for (int i = 0; i < 200; ++i) text += "2026-09-01,1.3e24,EUR,s1,/subscriptions/s1\n";
  std::string path = TempFile("huge.csv", text);
  Counts c = ReadAll(path);
  fs::remove(path);
  // Before: 200 rows summed past 2^127 into a negative total. Now each such row is rejected, naming why.
  EXPECT_EQ(c.rows, 0);
  ASSERT_EQ(c.rejected, 200);
  EXPECT_EQ(c.rejections[0].line, 2u);
  EXPECT_NE(c.rejections[0].why.find("beyond 10^15"), std::string::npos) << c.rejections[0].why;
  EXPECT_FALSE(c.rejections[0].has_cost);
  bool too_large = false;
  EXPECT_FALSE(ParseMoney("1000000000000001", &too_large).has_value());
  EXPECT_TRUE(too_large);
  EXPECT_FALSE(ParseMoney("999999999999999999999999999999999999e-13", &too_large).has_value());
  // The largest amount accepted, summed kMaxSummedRows times, stays below 2^127.
  Money largest = *ParseMoney("-1000000000000000");
  EXPECT_EQ(largest.units, -kMaxAmountUnits);
  __int128 total = 0;
  EXPECT_FALSE(__builtin_mul_overflow(kMaxAmountUnits, static_cast<__int128>(kMaxSummedRows), &total));
  // Saved totals (sums) still parse beyond one amount's bound.
  EXPECT_TRUE(ParseSavedMoney("123456789012345678901").has_value());
}

// ---- 10: cost exports must be regular files ----

// Opens `path` as a cost export in a child with a time bound and (outside ASan) a memory cap; true when it was refused
// with a message containing `expected`. Before the fix /dev/zero was read until memory ran out, and a FIFO blocked.
bool RefusedInChild(const std::string& path, const std::string& expected) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(5);
#if !defined(__SANITIZE_ADDRESS__)
    struct rlimit limit {size_t{2} << 30, size_t{2} << 30};
    ::setrlimit(RLIMIT_AS, &limit);
#endif
    auto r = UsageReader::Open(path, Measure::kEffective);
    ::_exit(!r.ok() && r.status().message().find(expected) != std::string::npos ? 0 : 2);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(CostExportFiles, ADeviceOrAFifoIsRefusedAtOnce) {
  EXPECT_TRUE(RefusedInChild("/dev/zero", "character device"));
  std::string fifo = (fs::temp_directory_path() / ("openpal_files_fifo_" + std::to_string(::getpid()))).string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_TRUE(RefusedInChild(fifo, "named pipe"));
  fs::remove(fifo);
}

// ---- 9: invalid UTF-8 reaching the JSON writers ----

TEST(JsonWriters, InvalidUtf8FromACostExportOrAResourceIdIsReplacedNotThrown) {
  engine::AttributionResult result;
  engine::ReportRow row;
  row.partner_id = "4100011";
  row.currency = "E\xFFR";
  row.subscription_id = "s\xC0";
  row.month = "2026-09";
  result.report.push_back(row);
  engine::UnattributedRow miss;
  miss.subscription_id = "sub\xFE";
  miss.currency = "EUR";
  miss.month = "2026-09";
  miss.reason = "no link";
  result.unattributed.push_back(miss);
  std::ostringstream report, unattributed;
  EXPECT_NO_THROW(engine::WriteReport(result, engine::OutputFormat::kJson, report));
  EXPECT_NO_THROW(engine::WriteUnattributed(result, engine::OutputFormat::kJson, unattributed));
  EXPECT_NE(report.str().find("E\xEF\xBF\xBDR"), std::string::npos) << report.str();  // U+FFFD
  EXPECT_NE(unattributed.str().find("sub\xEF\xBF\xBD"), std::string::npos) << unattributed.str();
  engine::Explanation e;
  e.resource = "/subscriptions/x/resourceGroups/\xFF";
  std::string json;
  EXPECT_NO_THROW(json = engine::ExplanationJson(e));
  EXPECT_NE(json.find("\xEF\xBF\xBD"), std::string::npos);
}

}  // namespace
}  // namespace openpal::usage
