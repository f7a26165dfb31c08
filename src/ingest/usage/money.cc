// Fixed-point parsing and printing: integer arithmetic only, so sums do not depend on the order of the rows.
#include "ingest/usage/money.h"

#include <algorithm>
#include <cstdint>

namespace openpal::usage {
namespace {

constexpr __int128 kMaxUnits = kMaxAmountUnits;  // room for kMaxSummedRows of them in 127 bits

// 10^n and kMaxUnits / 10^n for n in [0, 38], computed once at compile time: a 128-bit division is a library call,
// and every cost parsed used to pay one.
struct Powers {
  __int128 pow10[39];
  __int128 limit[39];
};
constexpr Powers MakePowers() {
  Powers p{};
  __int128 v = 1;
  for (int n = 0; n <= 38; ++n) {
    p.pow10[n] = v;
    p.limit[n] = kMaxUnits / v;
    if (n < 38) v *= 10;
  }
  return p;
}
constexpr Powers kPowers = MakePowers();

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

namespace {

std::optional<Money> Parse(std::string_view text, bool* too_large, __int128 max_units) {
  size_t b = 0, e = text.size();
  while (b < e && IsSpace(text[b])) ++b;
  while (e > b && IsSpace(text[e - 1])) --e;
  if (b == e) return std::nullopt;
  size_t i = b;
  bool negative = false;
  if (text[i] == '-' || text[i] == '+') {
    negative = text[i] == '-';
    ++i;
  }
  // Collect significant digits into a mantissa with a decimal exponent.
  __int128 mantissa = 0;
  int exponent = 0;        // value = mantissa × 10^exponent
  int digits = 0;
  int dropped_exponent = 0;  // digits ignored beyond 36 significant ones, each ×10
  bool seen_digit = false, seen_point = false;
  int first_dropped = -1;    // first digit dropped (for rounding)
  for (; i < e; ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (digits < 36) {
        if (mantissa != 0 || c != '0') ++digits;
        mantissa = mantissa * 10 + (c - '0');
        if (seen_point) --exponent;
      } else {
        if (first_dropped < 0) first_dropped = c - '0';
        if (!seen_point) ++dropped_exponent;
      }
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return std::nullopt;
  exponent += dropped_exponent;
  if (i < e) {
    if (text[i] != 'e' && text[i] != 'E') return std::nullopt;
    ++i;
    bool exp_negative = false;
    if (i < e && (text[i] == '-' || text[i] == '+')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    if (i == e) return std::nullopt;
    int exp_value = 0;
    for (; i < e; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      exp_value = std::min(exp_value * 10 + (text[i] - '0'), 100000);
    }
    exponent += exp_negative ? -exp_value : exp_value;
  }
  // Scale to 10^-12 units.
  int shift = exponent + Money::kScaleDigits;
  __int128 units;
  if (mantissa == 0) {
    units = 0;
  } else if (shift >= 0) {
    const bool over = shift > 38 || (max_units == kMaxUnits ? mantissa > kPowers.limit[shift]  // no 128-bit division
                                                            : mantissa > max_units / kPowers.pow10[shift]);
    if (over) {
      if (too_large) *too_large = true;
      return std::nullopt;
    }
    units = mantissa * kPowers.pow10[shift];
  } else {
    int down = -shift;
    if (down > 38) {
      units = 0;
    } else {
      __int128 divisor = kPowers.pow10[down];
      units = mantissa / divisor;
      __int128 rest = mantissa % divisor;
      if (rest * 2 >= divisor) ++units;
    }
    if (units > max_units) {  // 36 significant digits scaled down can still be too many
      if (too_large) *too_large = true;
      return std::nullopt;
    }
  }
  (void)first_dropped;
  return Money{negative ? -units : units};
}

}  // namespace

std::optional<Money> ParseMoney(std::string_view text, bool* too_large) {
  // The shape nearly every cost has, [-]digits[.digits] with at most 18 digits and 12 decimals, is exact in 64 bits:
  // one multiply per digit instead of a 128-bit one. Anything else (signs, spaces, exponents, more digits, a value
  // near the bound) is left to the general parser, which decides.
  const char* p = text.data();
  const char* const e = p + text.size();
  const bool negative = p < e && *p == '-';
  p += negative;
  uint64_t value = 0;
  int digits = 0, decimals = -1;
  for (; p < e; ++p) {
    const unsigned d = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
    if (d < 10) {
      value = value * 10 + d;
      ++digits;
      decimals += decimals >= 0;
    } else if (*p == '.' && decimals < 0) {
      decimals = 0;
    } else {
      break;
    }
  }
  if (p == e && digits > 0 && digits <= 18 && decimals <= Money::kScaleDigits) {
    const __int128 units =
        static_cast<__int128>(value) * kPowers.pow10[Money::kScaleDigits - (decimals < 0 ? 0 : decimals)];
    if (units <= kMaxUnits) return Money{negative ? -units : units};
  }
  return Parse(text, too_large, kMaxUnits);
}

std::optional<Money> ParseSavedMoney(std::string_view text) {
  constexpr __int128 kMaxSum = kMaxUnits * static_cast<__int128>(kMaxSummedRows);  // 10^38
  return Parse(text, nullptr, kMaxSum);
}

Money ProRata(Money amount, int64_t numerator, int64_t denominator) {
  if (numerator >= denominator || denominator <= 0) return amount;
  if (numerator <= 0) return Money{0};
  bool negative = amount.units < 0;
  __int128 a = negative ? -amount.units : amount.units;
  __int128 product;
  if (!__builtin_mul_overflow(a, static_cast<__int128>(numerator), &product)) {
    __int128 q = product / denominator;
    __int128 r = product % denominator;
    if (r * 2 >= denominator) ++q;
    return Money{negative ? -q : q};
  }
  // Only for amounts beyond ~10^14 units of currency: split the amount to stay exact enough.
  __int128 high = a / denominator, low = a % denominator;
  __int128 q = high * numerator + (low * numerator + denominator / 2) / denominator;
  return Money{negative ? -q : q};
}

std::string FormatMoney(Money amount) {
  bool negative = amount.units < 0;
  __int128 a = negative ? -amount.units : amount.units;
  // Round to 10 decimals: drop 2 of the 12 scale digits. Amounts below 2^63 units (9.2 million in the currency) take
  // 64-bit arithmetic: 128-bit division is a library call, and a report formats two amounts per row.
  __int128 whole;
  long long frac;
  if (a < static_cast<__int128>(INT64_MAX - 50)) {
    const uint64_t rounded = (static_cast<uint64_t>(a) + 50) / 100;
    whole = rounded / 10000000000ULL;
    frac = static_cast<long long>(rounded % 10000000000ULL);
  } else {
    a = (a + 50) / 100;
    whole = a / 10000000000LL;
    frac = static_cast<long long>(a % 10000000000LL);
  }
  if (whole == 0 && frac == 0) return "0";
  std::string digits;
  if (whole == 0) digits = "0";
  // 64-bit division while the value fits (128-bit division is a library call per digit).
  while (whole > static_cast<__int128>(UINT64_MAX)) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(whole % 10)));
    whole /= 10;
  }
  for (uint64_t w = static_cast<uint64_t>(whole); w > 0; w /= 10) digits.push_back(static_cast<char>('0' + w % 10));
  std::reverse(digits.begin(), digits.end());
  std::string out = negative ? "-" + digits : digits;
  if (frac != 0) {
    char buf[11];
    for (int k = 9; k >= 0; --k) {
      buf[k] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    int len = 10;
    while (len > 0 && buf[len - 1] == '0') --len;
    out.push_back('.');
    out.append(buf, len);
  }
  return out;
}

}  // namespace openpal::usage
