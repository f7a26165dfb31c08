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

}  // namespace

std::optional<ParsedTime> ParseUsageTime(std::string_view text) {
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
