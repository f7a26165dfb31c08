// Fuzzes the token endpoint's form parser (src/api/form.cc) on any bytes as a request body. Oracles: a parsed form has
// at most kMaxFormFields parameters, no empty and no repeated name; re-encoding it (percent-encoding every name and
// value) and parsing again gives the same fields in the same order; IsFormContentType never reads out of bounds.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "api/form.h"
#include "core/encoding.h"
#include "fuzz_util.h"

using namespace openpal;
using namespace openpal::api;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)IsFormContentType(body);
  auto form = ParseForm(body);
  if (!form.ok()) {
    if (form.status().code() != StatusCode::kInvalidArgument) fuzz::Violated("a form error is not InvalidArgument");
    return 0;
  }
  const auto& fields = form->fields();
  if (fields.size() > kMaxFormFields) fuzz::Violated("more fields than kMaxFormFields");
  std::set<std::string> names;
  std::string again;
  for (const auto& [name, value] : fields) {
    if (name.empty()) fuzz::Violated("an empty parameter name was accepted");
    if (!names.insert(name).second) fuzz::Violated("a repeated parameter name was accepted");
    if (form->GetOr(name) != value) fuzz::Violated("Get does not return the parsed value");
    if (!again.empty()) again += '&';
    again += PercentEncode(name) + "=" + PercentEncode(value);
  }
  auto reparsed = ParseForm(again);
  if (!reparsed.ok()) fuzz::Violated("the re-encoded form does not parse");
  if (reparsed->fields() != fields) fuzz::Violated("parse(encode(parse(x))) != parse(x)");
  return 0;
}
