// Splitting and percent-decoding an HTTP request target ("/path?query") into the path and query parameters that
// ApiRequest carries; no I/O, so the rules are testable on their own.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace openpal::api {

// `text` with %XX (and the legacy %uXXXX, as UTF-8) decoded; with `plus_is_space`, '+' becomes ' ' (query
// strings). Malformed escapes stay as sent; the result may be any bytes, including invalid UTF-8.
std::string PercentDecode(std::string_view text, bool plus_is_space);

// A request target split at the first '?': the decoded path, and the query's `key=value` pairs in order
// ('&'-separated, empty pairs skipped, a pair without '=' has an empty value), keys and values decoded.
struct RequestTarget {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};
RequestTarget ParseRequestTarget(std::string_view target);

}  // namespace openpal::api
