// Parsing and formatting of UTC instants in the textual forms of Graph, ARM, FOCUS and cost exports.
#include "core/time.h"

#include <chrono>
#include <cstdio>
#include <optional>

namespace openpal {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// Days since the epoch of 0001-01-01 and of 10000-01-01: the range every formatter clamps to, so that
// Timestamp::Min()/Max() print as .NET's DateTime.MinValue/MaxValue do instead of as garbage.
constexpr int64_t kFirstFormattableDay = -719162;   // 0001-01-01
constexpr int64_t kEndFormattableDay = 2932897;     // 10000-01-01 (exclusive)

// Floor division for negative instants (C++ division truncates toward zero).
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The broken-down UTC time of t, clamped to years 1..9999.
struct Broken {
  Civil date;
  int hour, minute, second;
  int64_t micros;  // 0..999999
};

Broken Break(Timestamp t) {
  int64_t day = FloorDiv(t.micros, kMicrosPerDay);
  int64_t in_day = t.micros % kMicrosPerDay;  // not micros - day * D: that overflows near Timestamp::Min()
  if (in_day < 0) in_day += kMicrosPerDay;
  if (day < kFirstFormattableDay) {
    day = kFirstFormattableDay;
    in_day = 0;
  } else if (day >= kEndFormattableDay) {
    day = kEndFormattableDay - 1;
    in_day = kMicrosPerDay - 1;
  }
  Broken b;
  b.date = CivilFromDays(day);
  const int64_t secs = in_day / kMicrosPerSecond;
  b.micros = in_day % kMicrosPerSecond;
  b.hour = static_cast<int>(secs / 3600);
  b.minute = static_cast<int>(secs / 60 % 60);
  b.second = static_cast<int>(secs % 60);
  return b;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// A bounds-checked cursor: every read checks the remaining length first.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[pos_]; }
  bool Eat(char c) {
    if (peek() != c || done()) return false;
    ++pos_;
    return true;
  }
  // Reads exactly n digits into *out.
  bool Digits(size_t n, int* out) {
    if (s_.size() - pos_ < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      const char c = s_[pos_ + i];
      if (!IsDigit(c)) return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    *out = v;
    return true;
  }
  // Reads 1 to max_n digits.
  bool SomeDigits(size_t max_n, int* out) {
    size_t n = 0;
    int v = 0;
    while (n < max_n && pos_ + n < s_.size() && IsDigit(s_[pos_ + n])) {
      v = v * 10 + (s_[pos_ + n] - '0');
      ++n;
    }
    if (n == 0) return false;
    pos_ += n;
    *out = v;
    return true;
  }
  // Reads a fraction's digits (at least one): the first six as microseconds, the rest dropped.
  bool Fraction(int64_t* micros) {
    int64_t v = 0;
    size_t n = 0;
    while (pos_ < s_.size() && IsDigit(s_[pos_])) {
      if (n < 6) v = v * 10 + (s_[pos_] - '0');
      ++n;
      ++pos_;
    }
    for (size_t k = n; k < 6; ++k) v *= 10;
    *micros = v;
    return n > 0;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

struct Parsed {
  Timestamp t;
  bool date_only = false;
};

bool ValidDate(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
         static_cast<unsigned>(d) <= DaysInMonth(y, static_cast<unsigned>(m));
}

int64_t MicrosOf(int y, int mo, int d, int h, int mi, int s, int64_t frac) {
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kMicrosPerDay +
         (static_cast<int64_t>(h) * 3600 + mi * 60 + s) * kMicrosPerSecond + frac;
}

// MM/DD/YYYY (1- or 2-digit month and day, as US-locale exports write them).
std::optional<Parsed> ParseUsDate(std::string_view s) {
  Cursor c(s);
  int m = 0, d = 0, y = 0;
  if (!c.SomeDigits(2, &m) || !c.Eat('/') || !c.SomeDigits(2, &d) || !c.Eat('/') || !c.Digits(4, &y) ||
      !c.done() || !ValidDate(y, m, d)) {
    return std::nullopt;
  }
  return Parsed{{MicrosOf(y, m, d, 0, 0, 0, 0)}, true};
}

// YYYY-MM-DD[(T|t| )HH:MM[:SS[.fraction]][Z|z|(+|-)HH[[:]MM]]].
std::optional<Parsed> ParseIsoLike(std::string_view s) {
  Cursor c(s);
  int y = 0, mo = 0, d = 0;
  if (!c.Digits(4, &y) || !c.Eat('-') || !c.Digits(2, &mo) || !c.Eat('-') || !c.Digits(2, &d)) return std::nullopt;
  if (!ValidDate(y, mo, d)) return std::nullopt;
  if (c.done()) return Parsed{{MicrosOf(y, mo, d, 0, 0, 0, 0)}, true};
  if (!(c.Eat('T') || c.Eat('t') || c.Eat(' '))) return std::nullopt;
  int h = 0, mi = 0, sec = 0;
  int64_t frac = 0;
  if (!c.Digits(2, &h) || !c.Eat(':') || !c.Digits(2, &mi)) return std::nullopt;
  if (c.Eat(':')) {
    if (!c.Digits(2, &sec)) return std::nullopt;
    if ((c.Eat('.') || c.Eat(',')) && !c.Fraction(&frac)) return std::nullopt;
  }
  // 24:00 and leap seconds are not accepted: no source openpal reads writes them.
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  int64_t offset_minutes = 0;
  if (c.Eat('Z') || c.Eat('z')) {
    // UTC
  } else if (c.peek() == '+' || c.peek() == '-') {
    const int sign = c.peek() == '-' ? -1 : 1;
    c.Eat(c.peek());
    int oh = 0, om = 0;
    if (!c.Digits(2, &oh)) return std::nullopt;
    if (c.Eat(':')) {
      if (!c.Digits(2, &om)) return std::nullopt;
    } else if (!c.done()) {
      if (!c.Digits(2, &om)) return std::nullopt;
    }
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  }
  if (!c.done()) return std::nullopt;
  // Local time = UTC + offset, so UTC = local - offset.
  return Parsed{{MicrosOf(y, mo, d, h, mi, sec, frac) - offset_minutes * 60 * kMicrosPerSecond}, false};
}

std::optional<Parsed> ParseAny(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.size() >= 3 && (s[1] == '/' || s[2] == '/')) return ParseUsDate(s);
  return ParseIsoLike(s);
}

// Quotes untrusted input for an error message: bounded length, control bytes escaped.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 64;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

}  // namespace

Timestamp Timestamp::Now() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return {std::chrono::duration_cast<std::chrono::microseconds>(now).count()};
}

unsigned DaysInMonth(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int64_t DaysFromCivil(int year, unsigned month, unsigned day) {
  const int64_t y = static_cast<int64_t>(year) - (month <= 2);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Result<Timestamp> ParseTime(std::string_view text) {
  if (auto p = ParseAny(text)) return p->t;
  return Status::Error(StatusCode::kInvalidArgument,
                       "not a time: " + Quote(text) +
                           " (expected e.g. 2026-03-01T00:00:00Z, 2026-03-01 00:00:00, 2026-03-01 or 03/01/2026)");
}

bool IsDateOnly(std::string_view text) {
  auto p = ParseAny(text);
  return p && p->date_only;
}

std::string FormatArmTime(Timestamp t) {
  const Broken b = Break(t);
  char buf[40];
  // The 7th digit is always 0: openpal keeps microseconds, ARM writes 100 ns ticks.
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lld0Z", b.date.year, b.date.month, b.date.day,
                b.hour, b.minute, b.second, static_cast<long long>(b.micros));
  return buf;
}

std::string FormatIsoTime(Timestamp t) {
  const Broken b = Break(t);
  char buf[40];
  if (b.micros == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", b.date.year, b.date.month, b.date.day, b.hour,
                  b.minute, b.second);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", b.date.year, b.date.month, b.date.day,
                  b.hour, b.minute, b.second, static_cast<long long>(b.micros));
  }
  return buf;
}

std::string FormatMonth(Timestamp t) {
  const Broken b = Break(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u", b.date.year, b.date.month);
  return buf;
}

Timestamp StartOfDay(Timestamp t) {
  const int64_t day = FloorDiv(t.micros, kMicrosPerDay);
  // The day holding Timestamp::Min() starts before it; saturate rather than overflow.
  if (day < FloorDiv(Timestamp::Min().micros, kMicrosPerDay) + 1) return Timestamp::Min();
  return {day * kMicrosPerDay};
}

Timestamp StartOfNextDay(Timestamp t) {
  const int64_t day = FloorDiv(t.micros, kMicrosPerDay);
  if (day >= FloorDiv(Timestamp::Max().micros, kMicrosPerDay)) return Timestamp::Max();
  return {(day + 1) * kMicrosPerDay};
}

}  // namespace openpal
