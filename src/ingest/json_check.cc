// ValidateJson: one forward pass over the text with an explicit stack (no recursion), counting lines as it goes.
#include "ingest/json_check.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/quote.h"

namespace openpal::ingest {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordChar(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Checker {
 public:
  Checker(std::string_view text, const std::string& name, size_t max_depth)
      : p_(text.data()), end_(text.data() + text.size()), name_(name), max_depth_(max_depth) {}

  Status Run() {
    bool want_value = true;
    for (;;) {
      SkipSpace();
      if (want_value) {
        if (p_ == end_)
          return Fail(stack_.empty() ? "empty file: expected a JSON value" : "the file ends where a value was expected",
                      true);
        const char c = *p_;
        if (c == '{' || c == '[') {
          if (stack_.size() >= max_depth_)
            return Fail("arrays and objects nest deeper than " + std::to_string(max_depth_) + " levels", true);
          const bool object = c == '{';
          stack_.push_back(Frame{object, keys_.size(), nullptr, 0, {}});
          ++p_;
          SkipSpace();
          if (p_ < end_ && *p_ == (object ? '}' : ']')) {
            ++p_;
            Pop();
            want_value = false;
          } else if (object) {
            if (Status s = Key(); !s.ok()) return s;
          }
          continue;
        }
        if (Status s = Scalar(); !s.ok()) return s;
        want_value = false;
        continue;
      }
      if (stack_.empty()) {
        if (p_ != end_) return Fail("unexpected content after the root value: " + Snippet());
        return Status::Ok();
      }
      const bool object = stack_.back().object;
      if (p_ == end_) return Fail(std::string("the file ends inside an ") + (object ? "object" : "array"));
      if (*p_ == ',') {
        ++p_;
        if (!object) ++stack_.back().index;
        SkipSpace();
        if (p_ < end_ && (*p_ == '}' || *p_ == ']')) return Fail(std::string("a trailing comma before '") + *p_ + "'");
        if (object)
          if (Status s = Key(); !s.ok()) return s;
        want_value = true;
      } else if (*p_ == (object ? '}' : ']')) {
        ++p_;
        Pop();
      } else {
        return Fail(std::string("expected ',' or '") + (object ? '}' : ']') + "', found " + Snippet());
      }
    }
  }

 private:
  struct Frame {
    bool object;
    size_t keys_begin;  // this object's keys are keys_[keys_begin, end) while it has few
    std::unique_ptr<std::unordered_map<std::string_view, uint64_t>> many;  // past kFewKeys: key -> line
    size_t index = 0;      // an array's current element, for the JSON path in errors
    std::string_view key;  // an object's current key (as written)
  };
  static constexpr size_t kFewKeys = 16;

  // An error at the current line; `in_value`: about the value being read (its path), else about its container.
  Status Fail(const std::string& message, bool in_value = false) const {
    return Status::Error(StatusCode::kCorruption, "invalid JSON: " + message,
                         name_ + ":" + std::to_string(line_) + ": " + Path(in_value && !reading_key_));
  }

  // "$", then ".key" or "[i]" per open container; the innermost one's current element only with `in_value`.
  std::string Path(bool in_value) const {
    std::string path = "$";
    const size_t n = in_value ? stack_.size() : (stack_.empty() ? 0 : stack_.size() - 1);
    for (size_t i = 0; i < n; ++i) {
      const Frame& f = stack_[i];
      if (!f.object) {
        path += "[" + std::to_string(f.index) + "]";
      } else if (!f.key.empty()) {
        path += "." + std::string(f.key.substr(0, 40));
      }
    }
    return path;
  }

  // The text from here, quoted and cut, for messages.
  std::string Snippet() const {
    if (p_ == end_) return "the end of the file";
    const char* stop = p_;
    while (stop < end_ && stop - p_ < 24 && *stop != '\n') ++stop;
    return QuoteValue(std::string_view(p_, static_cast<size_t>(stop - p_)), '\'', 20);
  }

  void SkipSpace() {
    while (p_ < end_) {
      const char c = *p_;
      if (c == '\n') {
        ++line_;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        return;
      }
      ++p_;
    }
  }

  void Pop() {
    keys_.resize(stack_.back().keys_begin);
    stack_.pop_back();
  }

  // A key, its colon, and the check that the object has no other key equal to it (after unescaping).
  Status Key() {
    SkipSpace();
    if (p_ == end_ || *p_ != '"') return Fail("expected a key in double quotes, found " + Snippet());
    const uint64_t line = line_;
    std::string_view raw;
    bool escaped = false;
    reading_key_ = true;
    Status read = String(raw, escaped);
    reading_key_ = false;
    if (!read.ok()) return read;
    std::string_view key = raw;
    if (escaped) {
      owned_.push_back(Unescape(raw));
      key = owned_.back();
    }
    Frame& frame = stack_.back();
    frame.key = raw;
    uint64_t first = 0;
    if (frame.many) {
      auto [it, inserted] = frame.many->emplace(key, line);
      if (!inserted) first = it->second;
    } else {
      for (size_t i = frame.keys_begin; i < keys_.size(); ++i)
        if (keys_[i].first == key) first = keys_[i].second;
      if (first == 0) {
        keys_.emplace_back(key, line);
        if (keys_.size() - frame.keys_begin > kFewKeys) {
          frame.many = std::make_unique<std::unordered_map<std::string_view, uint64_t>>();
          for (size_t i = frame.keys_begin; i < keys_.size(); ++i) frame.many->emplace(keys_[i]);
          keys_.resize(frame.keys_begin);
        }
      }
    }
    if (first != 0)
      return Status::Error(StatusCode::kCorruption,
                           "the key " + QuoteValue(key, '"') + " appears twice in one object (first at line " +
                               std::to_string(first) + "); which one counts is undefined in JSON",
                           name_ + ":" + std::to_string(line) + ": " + Path(false));
    SkipSpace();
    if (p_ == end_ || *p_ != ':')
      return Fail("expected ':' after the key " + QuoteValue(key, '"') + ", found " + Snippet());
    ++p_;
    return Status::Ok();
  }

  // A string starting at the quote under p_: `raw` is its text between the quotes (escapes not decoded).
  Status String(std::string_view& raw, bool& escaped) {
    const char* start = ++p_;
    for (;;) {
#if defined(__SSE2__)
      // Most string bytes are plain ASCII: 16 at a time until a quote, a backslash, a control byte or a byte >= 0x80
      // (signed < 0x20 catches both of the last two).
      const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
      while (end_ - p_ >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
        const int special = _mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, space)));
        if (special) {
          p_ += __builtin_ctz(static_cast<unsigned>(special));
          break;
        }
        p_ += 16;
      }
#endif
      while (p_ < end_) {
        const auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      if (p_ == end_) return Fail("a string is not closed", true);
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        raw = std::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return Status::Ok();
      }
      if (c == '\\') {
        escaped = true;
        if (Status s = Escape(); !s.ok()) return s;
      } else if (c < 0x20) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "%02X", c);
        return Fail(std::string("a control character (U+00") + hex +
                    ") inside a string: JSON needs it escaped (\\t, \\n, \\u00" + hex + ")", true);
      } else if (Status s = Utf8(); !s.ok()) {
        return s;
      }
    }
  }

  // One escape sequence at the backslash under p_; \u surrogates must pair.
  Status Escape() {
    ++p_;
    if (p_ == end_) return Fail("a string is not closed", true);
    const char e = *p_;
    if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      ++p_;
      return Status::Ok();
    }
    if (e != 'u') return Fail(std::string("an invalid escape '\\") + (e >= 0x20 && e < 0x7f ? std::string(1, e) : "?") +
                              "' in a string", true);
    auto hex4 = [&](const char* at) -> int {
      if (end_ - at < 4) return -1;
      int v = 0;
      for (int i = 0; i < 4; ++i) {
        const int h = HexValue(at[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
      }
      return v;
    };
    const int cp = hex4(p_ + 1);
    if (cp < 0) return Fail("\\u must be followed by four hex digits", true);
    p_ += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("a lone low surrogate (\\u" + HexString(cp) + ") in a string", true);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      const int low = end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u' ? hex4(p_ + 2) : -1;
      if (low < 0xDC00 || low > 0xDFFF)
        return Fail("a high surrogate (\\u" + HexString(cp) + ") not followed by a low one in a string", true);
      p_ += 6;
    }
    return Status::Ok();
  }

  static std::string HexString(int cp) {
    char buf[12];  // room for any int, so the compiler can prove nothing is cut
    std::snprintf(buf, sizeof buf, "%04X", cp);
    return buf;
  }

  // One UTF-8 sequence at the byte under p_ (>= 0x80): well-formed, shortest form, no surrogates, <= U+10FFFF.
  Status Utf8() {
    const auto* s = reinterpret_cast<const unsigned char*>(p_);
    const size_t left = static_cast<size_t>(end_ - p_);
    const unsigned char c = s[0];
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c == 0xE0) {
      n = 2, lo = 0xA0;
    } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
      n = 2;
    } else if (c == 0xED) {
      n = 2, hi = 0x9F;
    } else if (c == 0xF0) {
      n = 3, lo = 0x90;
    } else if (c >= 0xF1 && c <= 0xF3) {
      n = 3;
    } else if (c == 0xF4) {
      n = 3, hi = 0x8F;
    }
    char byte[16];
    std::snprintf(byte, sizeof byte, "0x%02X", c);
    if (n == 0)
      return Fail(std::string(c == 0xC0 || c == 0xC1 ? "overlong UTF-8" : "invalid UTF-8") + " (byte " + byte + ")",
                  true);
    if (left <= n)
      return Fail(std::string("invalid UTF-8: a sequence cut by the end of the file (byte ") + byte + ")", true);
    if (s[1] < lo || s[1] > hi) {
      const bool overlong = (c == 0xE0 || c == 0xF0) && s[1] >= 0x80 && s[1] < lo;
      return Fail(std::string(overlong ? "overlong UTF-8" : c == 0xED && s[1] > hi ? "UTF-8 of a surrogate"
                                                                                    : "invalid UTF-8") +
                  " (bytes from " + byte + ")", true);
    }
    for (size_t i = 2; i <= n; ++i)
      if (s[i] < 0x80 || s[i] > 0xBF) return Fail(std::string("invalid UTF-8 (bytes from ") + byte + ")", true);
    p_ += n + 1;
    return Status::Ok();
  }

  // A number, true, false or null; anything else where a value belongs is named in the error.
  Status Scalar() {
    const char c = *p_;
    if (c == '"') {
      std::string_view raw;
      bool escaped = false;
      return String(raw, escaped);
    }
    if (c == '-' || IsDigit(c)) return Number();
    for (std::string_view word : {std::string_view("true"), std::string_view("false"), std::string_view("null")}) {
      if (static_cast<size_t>(end_ - p_) >= word.size() && std::string_view(p_, word.size()) == word &&
          (static_cast<size_t>(end_ - p_) == word.size() || !IsWordChar(p_[word.size()]))) {
        p_ += word.size();
        return Status::Ok();
      }
    }
    return Fail("expected a value (a string, number, object, array, true, false or null), found " + Snippet(), true);
  }

  Status Number() {
    const char* start = p_;
    auto digits = [&] {
      const char* from = p_;
      while (p_ < end_ && IsDigit(*p_)) ++p_;
      return p_ > from;
    };
    if (*p_ == '-') ++p_;
    bool ok = p_ < end_ && IsDigit(*p_);
    if (ok) {
      if (*p_ == '0') {
        ++p_;
      } else {
        digits();
      }
      if (p_ < end_ && *p_ == '.') {
        ++p_;
        ok = digits();
      }
      if (ok && p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
        ++p_;
        if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
        ok = digits();
      }
    }
    if (!ok || (p_ < end_ && (IsWordChar(*p_) || *p_ == '.' || *p_ == '+' || *p_ == '-'))) {
      p_ = start;
      const char* stop = start;
      while (stop < end_ && stop - start < 24 && (IsWordChar(*stop) || *stop == '.' || *stop == '+' || *stop == '-'))
        ++stop;
      return Fail("not a JSON number: " + QuoteValue(std::string_view(start, static_cast<size_t>(stop - start)), '\'', 20),
                  true);
    }
    return Status::Ok();
  }

  // The key's text with its escapes decoded (only for keys that have escapes), to compare keys as JSON does.
  static std::string Unescape(std::string_view raw) {
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        out += raw[i];
        continue;
      }
      const char e = raw[++i];
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          for (int k = 1; k <= 4; ++k) cp = cp * 16 + static_cast<uint32_t>(HexValue(raw[i + k]));
          i += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // validated: a low surrogate follows
            uint32_t low = 0;
            for (int k = 3; k <= 6; ++k) low = low * 16 + static_cast<uint32_t>(HexValue(raw[i + k]));
            i += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default: out += e;  // " \ /
      }
    }
    return out;
  }

  const char* p_;
  const char* const end_;
  const std::string& name_;
  const size_t max_depth_;
  uint64_t line_ = 1;
  bool reading_key_ = false;  // a string error in a key is about the object, not a value
  std::vector<Frame> stack_;
  std::vector<std::pair<std::string_view, uint64_t>> keys_;  // key and its line, of the open objects with few keys
  std::deque<std::string> owned_;  // decoded keys that had escapes (stable addresses)
};

}  // namespace

Status ValidateJson(std::string_view text, const std::string& name, size_t max_depth) {
  return Checker(text, name, max_depth).Run();
}

}  // namespace openpal::ingest
