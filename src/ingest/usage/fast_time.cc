// The hot path of usage reading parses two timestamps a row; this avoids the general parser's Result and Status.
#include "ingest/usage/fast_time.h"

namespace openpal::usage {
namespace {

bool Digits(std::string_view s, size_t at, size_t n, int& out) {
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool ValidDate(int y, int m, int d) {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  return static_cast<unsigned>(d) <= DaysInMonth(y, static_cast<unsigned>(m));
}

// Days from 1970-01-01 to the first of each month, and the month's length, for the years cost exports hold: a row's
// two times cost a table read each instead of a civil-calendar computation and a validity check.
constexpr int kTableFirstYear = 1970, kTableYears = 230;
struct MonthTable {
  int32_t first_day[kTableYears * 12];
  uint8_t length[kTableYears * 12];
};
constexpr MonthTable MakeMonthTable() {
  MonthTable t{};
  int32_t day = 0;
  for (int y = kTableFirstYear; y < kTableFirstYear + kTableYears; ++y) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const uint8_t lengths[12] = {31, static_cast<uint8_t>(leap ? 29 : 28), 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 0; m < 12; ++m) {
      t.first_day[(y - kTableFirstYear) * 12 + m] = day;
      t.length[(y - kTableFirstYear) * 12 + m] = lengths[m];
      day += lengths[m];
    }
  }
  return t;
}
constexpr MonthTable kMonths = MakeMonthTable();

// "YYYY-MM-DD", optionally followed by "Thh:mm:ss" (or a space for T) and an optional "Z": the shapes nearly every
// export writes, for years in the table. Every digit is checked at once at the end (no branch per digit). False
// for anything else (the caller then takes the general path, which decides).
inline bool FastIso(std::string_view s, ParsedTime& out) {
  const size_t n = s.size();
  if (n != 10 && n != 19 && n != 20) return false;
  const auto* c = reinterpret_cast<const unsigned char*>(s.data());
  unsigned bad = 0;
  auto digit = [&](size_t i) {
    const unsigned d = static_cast<unsigned>(c[i]) - '0';
    bad |= d > 9 ? 1u : 0u;
    return static_cast<int>(d);
  };
  const int y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const int mo = digit(5) * 10 + digit(6);
  const int d = digit(8) * 10 + digit(9);
  bad |= (c[4] != '-') | (c[7] != '-');
  int h = 0, mi = 0, sec = 0;
  if (n >= 19) {
    h = digit(11) * 10 + digit(12);
    mi = digit(14) * 10 + digit(15);
    sec = digit(17) * 10 + digit(18);
    bad |= (c[10] != 'T' && c[10] != ' ') | (c[13] != ':') | (c[16] != ':') | (n == 20 && c[19] != 'Z');
  }
  if (bad || y < kTableFirstYear || y >= kTableFirstYear + kTableYears || mo < 1 || mo > 12 || d < 1 || h >= 24 ||
      mi >= 60 || sec >= 60)
    return false;
  const int month = (y - kTableFirstYear) * 12 + mo - 1;
  if (d > kMonths.length[month]) return false;
  const int64_t days = kMonths.first_day[month] + d - 1;
  out = ParsedTime{Timestamp::FromSeconds(days * 86400 + h * 3600 + mi * 60 + sec), n == 10};
  return true;
}

}  // namespace

std::optional<ParsedTime> ParseUsageTime(std::string_view text) {
  if (ParsedTime fast; FastIso(text, fast)) return fast;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  int y, mo, d, h = 0, mi = 0, s = 0;
  size_t n = text.size();
  if ((n == 10 || n == 19 || n == 20) && text[4] == '-' && text[7] == '-' && Digits(text, 0, 4, y) &&
      Digits(text, 5, 2, mo) && Digits(text, 8, 2, d)) {
    bool ok = true;
    if (n >= 19) {
      ok = (text[10] == 'T' || text[10] == ' ') && text[13] == ':' && text[16] == ':' && Digits(text, 11, 2, h) &&
           Digits(text, 14, 2, mi) && Digits(text, 17, 2, s) && (n == 19 || text[19] == 'Z');
    }
    if (ok && ValidDate(y, mo, d) && h < 24 && mi < 60 && s < 60) {
      int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
      return ParsedTime{Timestamp::FromSeconds(days * 86400 + h * 3600 + mi * 60 + s), n == 10};
    }
  } else if (n == 10 && text[2] == '/' && text[5] == '/' && Digits(text, 0, 2, mo) && Digits(text, 3, 2, d) &&
             Digits(text, 6, 4, y)) {
    if (!ValidDate(y, mo, d)) return std::nullopt;
    return ParsedTime{Timestamp::FromSeconds(DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400),
                      true};
  }
  auto parsed = ParseTime(text);
  if (!parsed.ok()) return std::nullopt;
  return ParsedTime{*parsed, IsDateOnly(text)};
}

}  // namespace openpal::usage
