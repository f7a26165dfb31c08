// ParseTime accepts the forms of Graph, ARM, FOCUS and cost exports and rejects everything else;
// the formatters write ARM's and ISO's forms.
#include "core/time.h"

#include <gtest/gtest.h>

namespace openpal {
namespace {

constexpr int64_t kSec = 1000000;
// 2026-03-01T00:00:00Z
const int64_t kMar1 = DaysFromCivil(2026, 3, 1) * 86400 * kSec;

struct Accepted {
  const char* text;
  int64_t micros;
  bool date_only;
};

TEST(ParseTime, AcceptsEveryDocumentedForm) {
  const Accepted cases[] = {
      {"2026-03-01T00:00:00Z", kMar1, false},
      {"2026-03-01t00:00:00z", kMar1, false},
      {"2026-03-01T12:34:56Z", kMar1 + (12 * 3600 + 34 * 60 + 56) * kSec, false},
      {"2026-03-01T00:00:00.1234567Z", kMar1 + 123456, false},   // 7 digits: the 7th is dropped
      {"2026-03-01T00:00:00.5Z", kMar1 + 500000, false},
      {"2026-03-01T00:00:00.000001Z", kMar1 + 1, false},
      {"2026-03-01T00:00:00.123456789012Z", kMar1 + 123456, false},
      {"2026-03-01T01:00:00+01:00", kMar1, false},
      {"2026-02-28T18:30:00-0530", kMar1, false},
      {"2026-03-01T00:00:00+00", kMar1, false},
      {"2026-03-01T00:00:00-00:00", kMar1, false},
      {"2026-03-01 00:00:00", kMar1, false},                      // a space instead of T, no zone: UTC
      {"2026-03-01T00:00:00", kMar1, false},
      {"2026-03-01T00:00", kMar1, false},
      {"2026-03-01", kMar1, true},                                // date only: midnight UTC
      {"03/01/2026", kMar1, true},                                // US order, as EA exports write it
      {"3/1/2026", kMar1, true},
      {"  2026-03-01T00:00:00Z \r\n", kMar1, false},             // surrounding whitespace ignored
      {"\t03/01/2026 ", kMar1, true},
      {"1970-01-01T00:00:00Z", 0, false},
      {"1969-12-31T23:59:59.999999Z", -1, false},
      {"2024-02-29", DaysFromCivil(2024, 2, 29) * 86400 * kSec, true},   // leap day
      {"2000-02-29", DaysFromCivil(2000, 2, 29) * 86400 * kSec, true},   // 400-year leap
      {"0001-01-01T00:00:00Z", DaysFromCivil(1, 1, 1) * 86400 * kSec, false},
      {"9999-12-31T23:59:59.999999Z", (DaysFromCivil(10000, 1, 1) * 86400 * kSec) - 1, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto t = ParseTime(c.text);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->micros, c.micros);
    EXPECT_EQ(IsDateOnly(c.text), c.date_only);
  }
}

TEST(ParseTime, RejectsGarbageAndImpossibleDates) {
  const char* rejected[] = {
      "", "   ", "2026", "2026-03", "2026-3-01", "2026-03-1", "26-03-01", "20260301", "2026/03/01",
      "2026-02-30",            // impossible day
      "2025-02-29",            // not a leap year
      "1900-02-29",            // century, not a leap year
      "2026-13-01", "2026-00-10", "2026-01-00", "2026-04-31",
      "0000-01-01",            // year 0 is outside 1..9999
      "10000-01-01",
      "2026-03-01T24:00:00Z", "2026-03-01T23:60:00Z", "2026-03-01T23:59:60Z",
      "2026-03-01T1:00:00Z", "2026-03-01T00:00:0Z", "2026-03-01T00Z", "2026-03-01T",
      "2026-03-01T00:00:00.Z",         // a dot without digits
      "2026-03-01T00:00:00ZZ", "2026-03-01T00:00:00+1", "2026-03-01T00:00:00+01:0",
      "2026-03-01T00:00:00+24:00", "2026-03-01T00:00:00+01:60", "2026-03-01T00:00:00 +01:00",
      "2026-03-01Z", "2026-03-01x", "2026-03-01T00:00:00Z garbage", "2026-03-01  00:00:00",
      "13/01/2026", "02/30/2026", "03/01/26", "03/01/02026", "003/01/2026", "03-01-2026", "03/01/2026 00:00",
      "/01/2026", "03//2026", "NULL", "null", "-2026-03-01", "+2026-03-01", "２０２６-03-01",
  };
  for (const char* text : rejected) {
    SCOPED_TRACE(text);
    auto t = ParseTime(text);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_FALSE(IsDateOnly(text));
  }
}

TEST(ParseTime, ErrorQuotesTheInput) {
  auto t = ParseTime("2026-02-30");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("\"2026-02-30\""), std::string::npos) << t.status().message();
}

TEST(ParseTime, EmbeddedNulIsRejected) {
  const std::string with_nul("2026-03-01\0T00:00:00Z", 21);
  EXPECT_FALSE(ParseTime(with_nul).ok());
  EXPECT_FALSE(ParseTime(std::string_view("2026-03-01T00:00:00Z\0", 21)).ok());
}

TEST(FormatArmTime, AlwaysSevenFractionDigitsAndZ) {
  EXPECT_EQ(FormatArmTime(*ParseTime("2026-01-12T09:15:27.843Z")), "2026-01-12T09:15:27.8430000Z");
  EXPECT_EQ(FormatArmTime(*ParseTime("2026-01-12T09:15:27Z")), "2026-01-12T09:15:27.0000000Z");
  EXPECT_EQ(FormatArmTime(*ParseTime("2026-01-12T09:15:27.000001Z")), "2026-01-12T09:15:27.0000010Z");
  EXPECT_EQ(FormatArmTime(Timestamp{0}), "1970-01-01T00:00:00.0000000Z");
  EXPECT_EQ(FormatArmTime(Timestamp{-1}), "1969-12-31T23:59:59.9999990Z");
}

TEST(FormatIsoTime, SecondsOrSixFractionDigits) {
  EXPECT_EQ(FormatIsoTime(*ParseTime("2026-01-12T09:15:27Z")), "2026-01-12T09:15:27Z");
  EXPECT_EQ(FormatIsoTime(*ParseTime("2026-01-12T09:15:27.5Z")), "2026-01-12T09:15:27.500000Z");
  EXPECT_EQ(FormatIsoTime(*ParseTime("2026-03-01T01:00:00+01:00")), "2026-03-01T00:00:00Z");
}

TEST(FormatTime, MinAndMaxClampToDotNetMinAndMaxValue) {
  // Rule (docs/core.md): instants outside years 1..9999 format as the nearest representable instant.
  EXPECT_EQ(FormatArmTime(Timestamp::Min()), "0001-01-01T00:00:00.0000000Z");
  EXPECT_EQ(FormatArmTime(Timestamp::Max()), "9999-12-31T23:59:59.9999990Z");
  EXPECT_EQ(FormatIsoTime(Timestamp::Min()), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoTime(Timestamp::Max()), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatMonth(Timestamp::Min()), "0001-01");
  EXPECT_EQ(FormatMonth(Timestamp::Max()), "9999-12");
}

TEST(FormatTime, RoundTripsThroughParseAcrossTheRange) {
  for (int year : {1, 4, 100, 1600, 1899, 1970, 2000, 2026, 2100, 9999}) {
    for (unsigned month : {1u, 2u, 12u}) {
      const Timestamp t{DaysFromCivil(year, month, 28) * 86400 * kSec + 3723 * kSec + 42};
      SCOPED_TRACE(FormatArmTime(t));
      EXPECT_EQ(*ParseTime(FormatArmTime(t)), t);
      EXPECT_EQ(*ParseTime(FormatIsoTime(t)), t);
    }
  }
}

TEST(FormatMonth, IsTheUtcMonth) {
  EXPECT_EQ(FormatMonth(*ParseTime("2026-03-31T23:59:59Z")), "2026-03");
  EXPECT_EQ(FormatMonth(*ParseTime("2026-03-31T23:30:00-01:00")), "2026-04");
}

TEST(DaysFromCivil, KnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(1, 1, 1), -719162);
}

TEST(StartOfDay, FloorsToUtcMidnightAlsoBeforeTheEpoch) {
  const Timestamp noon = *ParseTime("2026-03-01T12:00:00Z");
  EXPECT_EQ(StartOfDay(noon), Timestamp{kMar1});
  EXPECT_EQ(StartOfNextDay(noon), Timestamp{kMar1 + 86400 * kSec});
  EXPECT_EQ(StartOfDay(Timestamp{kMar1}), Timestamp{kMar1});
  EXPECT_EQ(StartOfNextDay(Timestamp{kMar1}), Timestamp{kMar1 + 86400 * kSec});
  EXPECT_EQ(StartOfDay(Timestamp{-1}), *ParseTime("1969-12-31"));
  // Saturates instead of overflowing at the ends.
  EXPECT_EQ(StartOfDay(Timestamp::Min()), Timestamp::Min());
  EXPECT_EQ(StartOfNextDay(Timestamp::Max()), Timestamp::Max());
}

TEST(Timestamp, NowIsAfter2025AndMicrosecondPrecise) {
  const Timestamp now = Timestamp::Now();
  EXPECT_GT(now, *ParseTime("2025-01-01"));
  EXPECT_LT(now, *ParseTime("2100-01-01"));
  EXPECT_EQ(Timestamp::FromSeconds(2).micros, 2 * kSec);
}

}  // namespace
}  // namespace openpal
