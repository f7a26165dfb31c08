// The usage reader: the real sample exports, every quirk of "Usage input", malformed rows, and random garbage.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/time.h"
#include "ingest/usage/usage_reader.h"

namespace openpal::usage {
namespace {

// The real sample exports, shipped with the repository (tests/data/reference/SOURCES.md).
const std::string kData = OPENPAL_REFERENCE_DATA;

// Success when the sample `path` exists; else a failure that names it, so a missing input is a clear test
// failure and never a crash on the rows it did not give.
::testing::AssertionResult SampleExists(const std::string& path) {
  if (std::filesystem::is_regular_file(path)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "missing test input " << path
                                       << " (the samples ship with the repository: tests/data/reference/SOURCES.md)";
}

std::string TempFile(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

struct Owned {
  std::string resource, subscription, currency;
  Timestamp start, end;
  Money amount;
  uint64_t line;
};
struct ReadResult {
  std::vector<Owned> rows;
  std::vector<RejectedRow> rejected;
};

ReadResult ReadAll(const std::string& path, Measure measure = Measure::kEffective) {
  ReadResult out;
  auto reader = UsageReader::Open(path, measure);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return out;
  UsageRow row;
  RejectedRow rejected;
  for (;;) {
    auto got = (*reader)->Read(row, rejected);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || *got == UsageReader::Outcome::kEnd) break;
    if (*got == UsageReader::Outcome::kRow)
      out.rows.push_back(Owned{std::string(row.resource_id), std::string(row.subscription), std::string(row.currency),
                               row.start, row.end, row.amount, row.line});
    else
      out.rejected.push_back(rejected);
  }
  return out;
}

Timestamp T(const char* s) { return *ParseTime(s); }

// The checks of the FOCUS sample, on `file` of the samples folder.
void CheckFocusSample(const std::string& file) {
  const std::string path = kData + "/" + file;
  ASSERT_TRUE(SampleExists(path));
  auto result = ReadAll(path);
  ASSERT_EQ(result.rows.size() + result.rejected.size(), 1000u);
  for (const auto& r : result.rejected) ADD_FAILURE() << "line " << r.line << ": " << r.why;
  size_t microsoft = 0;
  for (const auto& r : result.rows) {
    if (r.subscription.rfind("/subscriptions/", 0) == 0) ++microsoft;
    EXPECT_LE(r.start, r.end);
  }
  EXPECT_EQ(microsoft, 51u);
  // "2024-09-18 22:00:00": space separator, no zone = UTC.
  EXPECT_EQ(result.rows[0].start, T("2024-09-18T22:00:00Z"));
  EXPECT_EQ(result.rows[0].end, T("2024-09-18T23:00:00Z"));
}

// The checks of the EA actual-cost export, on `file` of the samples folder.
void CheckEaActualExport(const std::string& file) {
  const std::string path = kData + "/" + file;
  ASSERT_TRUE(SampleExists(path));
  auto reader = UsageReader::Open(path, Measure::kEffective);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->family(), Family::kAzureExport);
  auto result = ReadAll(path);
  ASSERT_EQ(result.rows.size(), 11u);
  EXPECT_TRUE(result.rejected.empty());
  const auto& first = result.rows[0];
  EXPECT_EQ(first.resource, "/providers/Microsoft.Capacity/reservationOrders/49ed0e4d-8e0c-4f1f-af2c-67c865056615/reservations/");
  EXPECT_EQ(first.subscription, "1caaa5a3-2b66-438e-8ab4-bce37d518c5d");
  EXPECT_EQ(first.start, T("2023-09-21"));  // 09/21/2023 is that UTC day
  EXPECT_EQ(first.end, T("2023-09-22"));
  EXPECT_EQ(FormatMoney(first.amount), "3.25");
  EXPECT_EQ(first.currency, "USD");
}

TEST(UsageReader, FocusSampleReadsEveryRowAndMicrosoftRowsNameTheirSubscription) {
  CheckFocusSample("focus_1.0_sample.csv");
}

TEST(UsageReader, EaActualExportWithBomUsDatesAndAReservationWithoutSubscription) {
  CheckEaActualExport("azure_ea_actualcost_small.csv");
}

TEST(UsageReader, AMissingSampleFailsWithItsNameAndNeverCrashes) {
  // A clone without the samples (or a renamed one) must fail the test that needs it, naming the file.
  EXPECT_FATAL_FAILURE(CheckFocusSample("no_such_sample.csv"), "missing test input");
  EXPECT_FATAL_FAILURE(CheckEaActualExport("no_such_sample.csv"), "no_such_sample.csv");
}

TEST(UsageReader, EaAmortizedAndHeaderOnlyExports) {
  ASSERT_TRUE(SampleExists(kData + "/azure_ea_amortizedcost_small.csv"));
  ASSERT_TRUE(SampleExists(kData + "/azure_ea_norows.csv"));
  auto amortized = ReadAll(kData + "/azure_ea_amortizedcost_small.csv");
  EXPECT_EQ(amortized.rows.size(), 28u);
  EXPECT_TRUE(amortized.rejected.empty());
  auto empty = ReadAll(kData + "/azure_ea_norows.csv");
  EXPECT_TRUE(empty.rows.empty());
  EXPECT_TRUE(empty.rejected.empty());
}

TEST(UsageReader, HeaderNamesAreTrimmedCaseInsensitiveAndTheFirstListedAliasWins) {
  // Both Cost and CostInBillingCurrency: CostInBillingCurrency is listed first in the contract, whatever the order here.
  auto path = TempFile("alias.csv",
                       "\xEF\xBB\xBF Cost , DATE,billingcurrencycode,CostInBillingCurrency,Currency,INSTANCEID\n"
                       "1,2026-03-01 13:45:00,EUR,2,USD,/subscriptions/x\n");
  auto result = ReadAll(path);
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(FormatMoney(result.rows[0].amount), "2");
  EXPECT_EQ(result.rows[0].currency, "EUR");
  EXPECT_EQ(result.rows[0].resource, "/subscriptions/x");
  // A Date with a time of day: the UTC day containing it.
  EXPECT_EQ(result.rows[0].start, T("2026-03-01"));
  EXPECT_EQ(result.rows[0].end, T("2026-03-02"));
}

TEST(UsageReader, MeasureBilledPicksBilledCost) {
  std::string content =
      "ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,BillingCurrency,ResourceId,SubAccountId\n"
      "2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,5,4,USD,NULL,null\n";
  auto path = TempFile("measure.csv", content);
  EXPECT_EQ(FormatMoney(ReadAll(path, Measure::kEffective).rows.at(0).amount), "4");
  auto billed = ReadAll(path, Measure::kBilled);
  EXPECT_EQ(FormatMoney(billed.rows.at(0).amount), "5");
  EXPECT_EQ(billed.rows.at(0).resource, "");      // NULL in any case is missing
  EXPECT_EQ(billed.rows.at(0).subscription, "");
}

TEST(UsageReader, OpenPartReadsARangeWithTheColumnsOfTheWholeReadersHeader) {
  // Billed measure and reordered columns: the part must use the whole reader's column choice, not a default.
  std::string header = "BilledCost,ResourceId,ChargePeriodEnd,EffectiveCost,ChargePeriodStart,BillingCurrency\n";
  std::string row1 = "5,/subscriptions/a,2026-01-02,4,2026-01-01,USD\n";
  std::string row2 = "7,/subscriptions/b,2026-01-03,6,2026-01-02,EUR\n";
  auto path = TempFile("part.csv", header + row1 + row2);
  auto whole = UsageReader::Open(path, Measure::kBilled);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  ASSERT_EQ((*whole)->header_end(), header.size());
  auto part = (*whole)->OpenPart(header.size() + row1.size(), header.size() + row1.size() + row2.size());
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  UsageRow row;
  RejectedRow rejected;
  auto got = (*part)->Read(row, rejected);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(*got, UsageReader::Outcome::kRow);
  EXPECT_EQ(FormatMoney(row.amount), "7");
  EXPECT_EQ(row.currency, "EUR");
  EXPECT_EQ(row.resource_id, "/subscriptions/b");
  got = (*part)->Read(row, rejected);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, UsageReader::Outcome::kEnd);
}

TEST(UsageReader, HeadersThatFitNoFamilyStopWithAnErrorNamingTheFile) {
  struct Case {
    const char* header;
    const char* expect_in_message;
  } cases[] = {
      {"a,b,c\n", "neither"},
      {"ChargePeriodStart,EffectiveCost,BillingCurrency\n", "ChargePeriodEnd"},
      {"ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency\n", "EffectiveCost"},
      {"ChargePeriodStart,ChargePeriodEnd,EffectiveCost\n", "BillingCurrency"},
      {"Date,Cost\n", "neither"},
      {"", "empty"},
  };
  for (const auto& c : cases) {
    auto path = TempFile("bad_header.csv", c.header);
    auto reader = UsageReader::Open(path, Measure::kEffective);
    ASSERT_FALSE(reader.ok()) << c.header;
    EXPECT_NE(reader.status().ToString().find("bad_header.csv"), std::string::npos);
    EXPECT_NE(reader.status().ToString().find(c.expect_in_message), std::string::npos) << reader.status().ToString();
  }
  EXPECT_FALSE(UsageReader::Open(::testing::TempDir() + "/does-not-exist.csv", Measure::kEffective).ok());
}

TEST(UsageReader, MalformedRowsAreRejectedWithTheirPhysicalLineAndCostWhenItParses) {
  std::string content =
      "ChargePeriodStart,ChargePeriodEnd,EffectiveCost,BillingCurrency,ResourceId\n"  // 1
      "2026-01-01,2026-01-02,1,USD,\"/subscriptions/a,\nb\"\n"                       // 2-3: ok, embedded newline
      "2026-01-01,2026-01-02,2,USD\n"                                                 // 4: 4 fields
      "NULL,2026-01-02,3,USD,r\n"                                                     // 5: start NULL
      "2026-02-30,2026-03-01,4,USD,r\n"                                               // 6: not a real date
      "2026-01-02,2026-01-01,5,USD,r\n"                                               // 7: ends before it starts
      "2026-01-01,2026-01-02,NULL,USD,r\n"                                            // 8: measure NULL
      "2026-01-01,2026-01-02,abc,USD,r\n"                                             // 9: not a number
      "2026-01-01,2026-01-02,6,,r\n"                                                  // 10: no currency
      "\n"                                                                            // 11: blank, not a row
      "  2026-01-01 , 2026-01-01 ,  7 , USD ,r\n";                                    // 12: ok, trimmed, empty period
  auto result = ReadAll(TempFile("malformed.csv", content));
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0].line, 2u);
  EXPECT_EQ(result.rows[0].resource, "/subscriptions/a,\nb");
  EXPECT_EQ(result.rows[1].line, 12u);
  EXPECT_EQ(FormatMoney(result.rows[1].amount), "7");
  ASSERT_EQ(result.rejected.size(), 7u);
  struct Expect {
    uint64_t line;
    const char* why;
    bool has_cost;
  } expected[] = {{4, "fields", true},        {5, "ChargePeriodStart", true}, {6, "not a real time", true},
                  {7, "before", true},        {8, "missing or NULL", false},  {9, "not a number", false},
                  {10, "currency", false}};
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(result.rejected[i].line, expected[i].line);
    EXPECT_NE(result.rejected[i].why.find(expected[i].why), std::string::npos) << result.rejected[i].why;
    EXPECT_EQ(result.rejected[i].has_cost, expected[i].has_cost) << expected[i].line;
  }
}

TEST(UsageReader, GzipIsRecognisedByMagicBytes) {
  std::string content = "Date,Cost,Currency,SubscriptionGuid\n03/01/2026,1.5,USD,x\n";
  std::string path = ::testing::TempDir() + "/export.csv";  // gzip under a .csv name
  gzFile gz = gzopen(path.c_str(), "wb");
  gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
  gzclose(gz);
  auto result = ReadAll(path);
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0].start, T("2026-03-01"));
}

TEST(UsageReader, RandomGarbageRowsAreEachReadOrRejectedNeverDropped) {
  std::mt19937 rng(1234);
  const std::vector<std::string> pieces = {"2026-01-01", "NULL", "1.5", "USD", "\"", ",", "\n", "x", "",
                                           "01/02/2026", "-", "1e-3", "\r\n", " ", "2026-13-01"};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int round = 0; round < 200 && std::chrono::steady_clock::now() < deadline; ++round) {
    std::string content = "ChargePeriodStart,ChargePeriodEnd,EffectiveCost,BillingCurrency\n";
    int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) content += pieces[rng() % pieces.size()];
    auto reader = UsageReader::Open(TempFile("fuzz.csv", content), Measure::kEffective);
    ASSERT_TRUE(reader.ok());
    UsageRow row;
    RejectedRow rejected;
    uint64_t last_line = 1;
    for (int guard = 0; guard < 100000; ++guard) {
      auto got = (*reader)->Read(row, rejected);
      ASSERT_TRUE(got.ok());
      if (*got == UsageReader::Outcome::kEnd) break;
      uint64_t line = *got == UsageReader::Outcome::kRow ? row.line : rejected.line;
      EXPECT_GT(line, last_line);
      last_line = line;
      if (*got == UsageReader::Outcome::kRow) {
        EXPECT_LE(row.start, row.end);
      }
    }
  }
}

}  // namespace
}  // namespace openpal::usage
