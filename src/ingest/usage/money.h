// Exact money amounts: a signed 128-bit fixed-point count of 10^-12 units, parsed from decimal or E-notation text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openpal::usage {

// 10^-12 of a currency unit. Amounts are at most 10^15 currency units (kMaxAmountUnits, refused above that) and a
// run sums at most kMaxSummedRows of them, so no total can pass 10^38 < 2^127: totals are exact and never overflow;
// only pro-rata credits round (to the nearest 10^-12, far below the report's 10 decimals).
struct Money {
  static constexpr int kScaleDigits = 12;
  __int128 units = 0;

  Money& operator+=(Money o) {
    units += o.units;
    return *this;
  }
  friend Money operator+(Money a, Money b) { return Money{a.units + b.units}; }
  friend Money operator-(Money a, Money b) { return Money{a.units - b.units}; }
  friend bool operator==(Money a, Money b) { return a.units == b.units; }
};

// The largest amount accepted, in units: 10^15 in the currency (a thousand trillion), far above any real cost.
inline constexpr __int128 kMaxAmountUnits = static_cast<__int128>(1000000000000000LL) * 1000000000000LL;
// The most rows one run sums: kMaxSummedRows × kMaxAmountUnits = 10^38 stays below 2^127 (1.7 × 10^38).
inline constexpr uint64_t kMaxSummedRows = 100000000000ULL;

// Parses "12", "-0.5", "0.00000080000", "35.2E-7", "1e3" (surrounding spaces allowed). Digits beyond 12 decimals
// are rounded half away from zero. nullopt for anything else (empty, "NULL", "1,5", "$3", "nan"), and for a number
// beyond ±kMaxAmountUnits, which also sets *too_large (when given).
std::optional<Money> ParseMoney(std::string_view text, bool* too_large = nullptr);
// ParseMoney for a saved total (a sum of amounts, written by FormatMoney): up to 10^38 units.
std::optional<Money> ParseSavedMoney(std::string_view text);

// `amount` × numerator / denominator, rounded half away from zero (0 < numerator <= denominator).
Money ProRata(Money amount, int64_t numerator, int64_t denominator);

// At most 10 decimals (rounded half away from zero), no exponent, no trailing zeros: "12.5", "0", "-0.0000000001".
std::string FormatMoney(Money amount);

}  // namespace openpal::usage
