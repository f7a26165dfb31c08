// UTC instants with microsecond precision, and the textual forms Azure and cost exports use.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "core/status.h"

namespace openpal {

// An instant in UTC: microseconds since 1970-01-01T00:00:00Z. Plain value, totally ordered.
struct Timestamp {
  int64_t micros = 0;

  static constexpr Timestamp Min() { return {std::numeric_limits<int64_t>::min()}; }
  static constexpr Timestamp Max() { return {std::numeric_limits<int64_t>::max()}; }
  static constexpr Timestamp FromSeconds(int64_t s) { return {s * 1000000}; }
  static Timestamp Now();  // the system clock, truncated to microseconds

  friend constexpr auto operator<=>(Timestamp, Timestamp) = default;
};

// Days since 1970-01-01 of a proleptic Gregorian civil date (valid for years 1..9999).
int64_t DaysFromCivil(int year, unsigned month, unsigned day);

// A proleptic Gregorian date.
struct Civil {
  int year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// The inverse of DaysFromCivil (H. Hinnant's algorithm, written out from its published description). Inline: the
// crediting loop derives a month per usage row.
inline Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}

// The days of `month` (1..12) in `year`.
unsigned DaysInMonth(int year, unsigned month);

// Parses the forms found in Graph, ARM, FOCUS and Cost Management data:
//   2026-03-01T00:00:00Z, ...T00:00:00.1234567Z (any number of fraction digits; beyond 6 truncated),
//   offsets (+01:00, -0530, +00), a space instead of T, no zone (taken as UTC),
//   date only (2026-03-01, midnight UTC), and MM/DD/YYYY (US order, as EA exports write it).
// Surrounding whitespace is ignored. Anything else, or an impossible date/time (2026-02-30), is an error
// with code InvalidArgument that quotes the input.
Result<Timestamp> ParseTime(std::string_view text);

// True when ParseTime would accept `text` as a date without a time of day (2026-03-01, 03/01/2026).
bool IsDateOnly(std::string_view text);

// "2026-01-12T09:15:27.8430000Z": ISO 8601 UTC with exactly 7 fraction digits, as ARM writes times.
std::string FormatArmTime(Timestamp t);

// "2026-01-12T09:15:27Z", or with 6 fraction digits when the instant has sub-second precision.
std::string FormatIsoTime(Timestamp t);

// "YYYY-MM" of the UTC month containing t.
std::string FormatMonth(Timestamp t);

// The start of the UTC day containing t, and of the next day.
Timestamp StartOfDay(Timestamp t);
Timestamp StartOfNextDay(Timestamp t);

}  // namespace openpal
