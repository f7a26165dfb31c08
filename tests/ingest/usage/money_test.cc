// Money: exact decimal parsing (FOCUS numeric format, E-notation) and the report's number format.
#include <gtest/gtest.h>

#include <random>

#include "ingest/usage/fast_time.h"
#include "ingest/usage/money.h"

namespace openpal::usage {
namespace {

TEST(Money, ParsesDecimalAndENotationExactly) {
  struct Case {
    const char* text;
    const char* printed;
  } cases[] = {
      {"12", "12"},           {"-0.5", "-0.5"},         {"0.00000080000", "0.0000008"}, {"35.2E-7", "0.00000352"},
      {"1e3", "1000"},        {" 3.25 ", "3.25"},       {"+7", "7"},                    {"0", "0"},
      {"-0.00000000004", "0"}, {"0.00000000005", "0.0000000001"}, {".5", "0.5"},        {"5.", "5"},
      {"123456789012.123456789", "123456789012.123456789"},
  };
  for (const auto& c : cases) {
    auto m = ParseMoney(c.text);
    ASSERT_TRUE(m.has_value()) << c.text;
    EXPECT_EQ(FormatMoney(*m), c.printed) << c.text;
  }
}

TEST(Money, RejectsWhatIsNotANumber) {
  for (const char* bad : {"", "NULL", "1,5", "$3", "nan", "inf", "1e", "1e+", "--1", "1.2.3", "abc", "1 2", ".", "e5",
                          "1e400000000000"}) {
    EXPECT_FALSE(ParseMoney(bad).has_value()) << bad;
  }
}

TEST(Money, PrintsAtMostTenDecimalsWithoutExponentOrTrailingZeros) {
  EXPECT_EQ(FormatMoney(*ParseMoney("0.123456789049")), "0.123456789");
  EXPECT_EQ(FormatMoney(*ParseMoney("0.12345678905")), "0.1234567891");
  EXPECT_EQ(FormatMoney(*ParseMoney("1e-20")), "0");
  EXPECT_EQ(FormatMoney(*ParseMoney("-2.50")), "-2.5");
}

TEST(Money, ProRataRoundsToTheNearestUnitAndIsExactForWholeShares) {
  EXPECT_EQ(FormatMoney(ProRata(*ParseMoney("10"), 6, 24)), "2.5");
  EXPECT_EQ(FormatMoney(ProRata(*ParseMoney("1"), 1, 3)), "0.3333333333");
  EXPECT_EQ(FormatMoney(ProRata(*ParseMoney("-9"), 1, 3)), "-3");
  EXPECT_EQ(ProRata(*ParseMoney("7.77"), 5, 5), *ParseMoney("7.77"));
  // Huge amount, long period: no overflow.
  Money big = *ParseMoney("100000000000000");
  EXPECT_EQ(FormatMoney(ProRata(big, 2592000000000LL, 2 * 2592000000000LL)), "50000000000000");
}

TEST(Money, SumsDoNotDependOnOrder) {
  std::mt19937_64 rng(7);
  std::vector<Money> values;
  for (int i = 0; i < 10000; ++i)
    values.push_back(*ParseMoney(std::to_string(rng() % 1000000) + "." + std::to_string(rng() % 100000000000ULL)));
  Money forward, backward;
  for (auto v : values) forward += v;
  for (auto it = values.rbegin(); it != values.rend(); ++it) backward += *it;
  EXPECT_EQ(forward, backward);
}

// The report's text of `units` by plain 128-bit arithmetic and a string round-trip, to check FormatMoney's 64-bit path.
std::string Reference(__int128 units) {
  const bool negative = units < 0;
  __int128 a = negative ? -units : units;
  a = (a + 50) / 100;  // 10 decimals, half up
  std::string digits;
  for (__int128 w = a; w > 0; w /= 10) digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(w % 10)));
  if (digits.size() < 11) digits.insert(0, 11 - digits.size(), '0');
  std::string whole = digits.substr(0, digits.size() - 10), frac = digits.substr(digits.size() - 10);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string text = frac.empty() ? whole : whole + "." + frac;
  if (text == "0") return text;
  return negative ? "-" + text : text;
}

TEST(Money, FormatsAlikeOnBothSidesOfTheSixtyFourBitPath) {
  std::mt19937_64 rng(11);
  std::vector<__int128> values = {0, 49, 50, 149, 150, INT64_MAX - 51, INT64_MAX - 50, INT64_MAX - 49, INT64_MAX,
                                  static_cast<__int128>(INT64_MAX) + 1, static_cast<__int128>(1) << 100};
  for (int i = 0; i < 20000; ++i) {
    const int bits = 1 + static_cast<int>(rng() % 100);
    __int128 v = (static_cast<__int128>(rng()) << 64 | rng()) & ((static_cast<__int128>(1) << bits) - 1);
    values.push_back(v);
  }
  for (__int128 v : values) {
    for (__int128 signed_v : {v, -v}) {
      ASSERT_EQ(FormatMoney(Money{signed_v}), Reference(signed_v))
          << static_cast<long long>(signed_v >> 64) << " " << static_cast<unsigned long long>(signed_v);
    }
  }
}

// The common shapes of a cost and a time are parsed by short paths; a leading space sends the same text through the
// general parser (which trims it). Random texts near every edge (18/19 digits, 12/13 decimals, the 10^15 bound,
// signs, lone points, exponents; invalid dates, 24:00, leap days, years outside the table) must read alike.
TEST(Money, ShortAndGeneralPathsAgree) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 200000; ++i) {
    std::string t;
    if (rng() % 4 == 0) t.push_back("-+ "[rng() % 3]);
    const int whole = static_cast<int>(rng() % 21), decimals = static_cast<int>(rng() % 16) - 1;
    for (int k = 0; k < whole; ++k) t.push_back(static_cast<char>('0' + rng() % 10));
    if (decimals >= 0) t.push_back('.');
    for (int k = 0; k < decimals; ++k) t.push_back(static_cast<char>('0' + rng() % 10));
    if (rng() % 16 == 0) t += "e" + std::to_string(static_cast<int>(rng() % 7) - 3);
    if (rng() % 32 == 0) t.insert(rng() % (t.size() + 1), 1, "x.,"[rng() % 3]);
    bool large_fast = false, large_general = false;
    const auto fast = ParseMoney(t, &large_fast);
    const auto general = ParseMoney(" " + t, &large_general);
    ASSERT_EQ(fast.has_value(), general.has_value()) << t;
    if (fast) ASSERT_TRUE(*fast == *general) << t;
    ASSERT_EQ(large_fast, large_general) << t;
  }
}

TEST(Money, UsageTimeShortAndGeneralPathsAgree) {
  std::mt19937_64 rng(6);
  auto two = [&](int limit) {
    const int v = static_cast<int>(rng() % static_cast<uint64_t>(limit));
    return std::string(1, static_cast<char>('0' + v / 10)) + static_cast<char>('0' + v % 10);
  };
  for (int i = 0; i < 200000; ++i) {
    const int year = rng() % 8 == 0 ? static_cast<int>(rng() % 10000) : 1965 + static_cast<int>(rng() % 240);
    char y[8];
    std::snprintf(y, sizeof y, "%04d", year);
    std::string t = std::string(y) + "-" + two(14) + "-" + two(33);
    if (rng() % 4) t += std::string(rng() % 2 ? "T" : " ") + two(26) + ":" + two(62) + ":" + two(62);
    if (t.size() > 10 && rng() % 2) t += "Z";
    if (rng() % 32 == 0) t[rng() % t.size()] = "x-:/T "[rng() % 6];
    const auto fast = ParseUsageTime(t);
    const auto general = ParseUsageTime(" " + t);
    ASSERT_EQ(fast.has_value(), general.has_value()) << t;
    if (fast) {
      ASSERT_EQ(fast->at.micros, general->at.micros) << t;
      ASSERT_EQ(fast->date_only, general->date_only) << t;
    }
  }
}

}  // namespace
}  // namespace openpal::usage
