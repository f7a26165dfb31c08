// application/x-www-form-urlencoded parsing (form.h).
#include "api/form.h"

#include "core/guid.h"

namespace openpal::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one name or value; false on a '%' not followed by two hex digits (a form encoder never writes one, and
// keeping it as sent, as lenient parsers do, would let two spellings name one secret).
bool Decode(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      int hi = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return true;
}

Status Bad(std::string message, size_t index) {
  return Status::Error(StatusCode::kInvalidArgument, std::move(message), "form parameter " + std::to_string(index + 1));
}

}  // namespace

std::optional<std::string> FormFields::Get(std::string_view name) const {
  for (const auto& [key, value] : fields_)
    if (key == name) return value;
  return std::nullopt;
}

Result<FormFields> ParseForm(std::string_view body) {
  FormFields form;
  size_t index = 0;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) {
      if (end == body.size()) break;
      continue;
    }
    if (form.fields_.size() == kMaxFormFields)
      return Bad("more than " + std::to_string(kMaxFormFields) + " parameters", index);
    size_t eq = pair.find('=');
    std::string name, value;
    if (!Decode(pair.substr(0, eq), name)) return Bad("malformed %-escape in a parameter name", index);
    if (name.empty()) return Bad("a parameter without a name", index);
    if (eq != std::string_view::npos && !Decode(pair.substr(eq + 1), value))
      return Bad("malformed %-escape in the value of '" + name + "'", index);
    if (form.Get(name)) return Bad("parameter '" + name + "' sent more than once", index);
    form.fields_.emplace_back(std::move(name), std::move(value));
    ++index;
    if (end == body.size()) break;
  }
  return form;
}

bool IsFormContentType(std::string_view content_type) {
  size_t semi = content_type.find(';');
  std::string_view type = content_type.substr(0, semi);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return EqualsIgnoreCase(type, "application/x-www-form-urlencoded");
}

}  // namespace openpal::api
