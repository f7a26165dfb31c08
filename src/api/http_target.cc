// Request-target decoding for the HTTP edge (the rules cpp-httplib applied before, kept so surfaces see the same).
#include "api/http_target.h"

namespace openpal::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses `count` hex digits at text[at...]; -1 if any is missing or not hex.
long HexAt(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return -1;
  long value = 0;
  for (size_t i = 0; i < count; ++i) {
    int digit = HexValue(text[at + i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

void AppendUtf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {  // %uXXXX reaches at most 0xFFFF
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 1 < text.size() && (text[i + 1] == 'u' || text[i + 1] == 'U')) {
        long cp = HexAt(text, i + 2, 4);
        if (cp >= 0) {
          AppendUtf8(out, static_cast<unsigned long>(cp));
          i += 5;
          continue;
        }
      }
      long byte = HexAt(text, i + 1, 2);
      if (byte >= 0) {
        out += static_cast<char>(byte);
        i += 2;
        continue;
      }
      out += c;  // a lone '%' stays as sent
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

RequestTarget ParseRequestTarget(std::string_view target) {
  RequestTarget result;
  size_t question = target.find('?');
  result.path = PercentDecode(target.substr(0, question), false);
  if (question == std::string_view::npos) return result;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    result.query.emplace_back(std::move(key), std::move(value));
  }
  return result;
}

}  // namespace openpal::api
