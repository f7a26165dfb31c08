// Parsing application/x-www-form-urlencoded bodies (the OAuth 2.0 token endpoint's requests): untrusted input,
// strict where RFC 6749 is (no repeated parameters, well-formed escapes), fuzzed by fuzz/form_fuzz.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace openpal::api {

// The most parameters a form may carry (a token request has about 8); more is refused, not truncated.
inline constexpr size_t kMaxFormFields = 64;

// A parsed form: names and values decoded, in the order sent, each name at most once.
class FormFields {
 public:
  // The value of `name` (exact, case-sensitive as OAuth parameter names are), if present.
  std::optional<std::string> Get(std::string_view name) const;
  // The value of `name`, or "" when absent.
  std::string GetOr(std::string_view name) const { return Get(name).value_or(""); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  friend Result<FormFields> ParseForm(std::string_view body);
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Parses `body`: '&'-separated `name=value` pairs (empty pairs skipped, a pair without '=' has an empty value),
// '+' as space and %XX escapes decoded. InvalidArgument (with the parameter's position and name) for a malformed
// escape, an empty name, a name sent twice (RFC 6749 §3.2), or more than kMaxFormFields parameters.
Result<FormFields> ParseForm(std::string_view body);

// True when a Content-Type header value is application/x-www-form-urlencoded (case-insensitive, parameters such
// as charset ignored).
bool IsFormContentType(std::string_view content_type);

}  // namespace openpal::api
