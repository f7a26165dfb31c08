// QuoteValue: untrusted values in error messages, escaped and cut to a readable length.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace openpal {

// Quotes an untrusted value for an error message: between `quote`s, control bytes and the quote escaped (\xNN), cut
// after `max_bytes` (at a character boundary) with the full size said, so one 10 MB field gives a short error line.
inline std::string QuoteValue(std::string_view value, char quote = '\'', size_t max_bytes = 80) {
  size_t keep = value.size() <= max_bytes ? value.size() : max_bytes;
  // Never cut inside a UTF-8 sequence: step back over continuation bytes.
  while (keep < value.size() && keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80) --keep;
  std::string out(1, quote);
  for (size_t i = 0; i < keep; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f || c == static_cast<unsigned char>(quote)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  if (keep < value.size()) out += "... (" + std::to_string(value.size()) + " bytes)";
  return out;
}

}  // namespace openpal
