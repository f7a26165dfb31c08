// Exact money amounts: a signed 128-bit fixed-point count of 10^-12 units, parsed from decimal or E-notation text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace openpal::usage {

// 10^-12 of a currency unit. Sums of ten million amounts of up to 10^12 stay far from the 128-bit limit, so
// totals are exact; only pro-rata credits round (to the nearest 10^-12, far below the report's 10 decimals).
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

// Parses "12", "-0.5", "0.00000080000", "35.2E-7", "1e3" (surrounding spaces allowed). Digits beyond 12 decimals
// are rounded half away from zero. nullopt for anything else (empty, "NULL", "1,5", "$3", "nan", overflow).
std::optional<Money> ParseMoney(std::string_view text);

// `amount` × numerator / denominator, rounded half away from zero (0 < numerator <= denominator).
Money ProRata(Money amount, int64_t numerator, int64_t denominator);

// At most 10 decimals (rounded half away from zero), no exponent, no trailing zeros: "12.5", "0", "-0.0000000001".
std::string FormatMoney(Money amount);

// The amount as a long double, for rates and progress.
long double ToLongDouble(Money amount);

}  // namespace openpal::usage
