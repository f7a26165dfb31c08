// Field slots and their validation, shared by every JSON file reader of a snapshot.
#include "ingest/entry_fields.h"

#include "core/guid.h"
#include "core/quote.h"

namespace openpal::ingest {

using simdjson::ondemand::json_type;

Status ReadObject(JsonFile& file, simdjson::ondemand::value& entry, const std::string& path,
                  std::span<const FieldSpec> specs, std::vector<FieldSlot>& slots, const NestedFieldFn& nested) {
  if (slots.size() < specs.size()) slots.resize(specs.size());
  const char* entry_at = LocationOf(entry);
  json_type type;
  if (auto error = entry.type().get(type)) return file.JsonError(error, path);
  if (type != json_type::object) return file.Error(StatusCode::kCorruption, "expected an object", entry_at, path);
  simdjson::ondemand::object object;
  if (auto error = entry.get_object().get(object)) return file.JsonError(error, path);
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (auto error = std::move(field_result).get(field)) return file.JsonError(error, path);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return file.JsonError(error, path);
    simdjson::ondemand::value value = field.value();
    size_t i = 0;
    while (i < specs.size() && specs[i].name != key) ++i;
    if (i == specs.size()) {
      if (nested) {
        if (Status s = nested(key, value, path); !s.ok()) return s;
      }
      continue;
    }
    FieldSlot& slot = slots[i];
    if (slot.present) continue;  // an outer level already gave it
    const char* at = LocationOf(value);
    // The field's path is built only for an error: this loop runs for every field of a million entries.
    auto field_path = [&] { return path + "." + std::string(key); };
    json_type value_type;
    if (auto error = value.type().get(value_type)) return file.JsonError(error, field_path());
    if (value_type == json_type::null) {
      bool null = false;
      if (auto error = value.is_null().get(null)) return file.JsonError(error, field_path());
      continue;
    }
    if (specs[i].type == FieldType::kString) {
      if (value_type != json_type::string) return file.Error(StatusCode::kCorruption, "expected a string", at, field_path());
      std::string_view text;
      if (auto error = value.get_string().get(text)) return file.JsonError(error, field_path());
      slot.text = text;
    } else {
      if (value_type != json_type::boolean) return file.Error(StatusCode::kCorruption, "expected true or false", at, field_path());
      bool flag = false;
      if (auto error = value.get_bool().get(flag)) return file.JsonError(error, field_path());
      slot.flag = flag;
    }
    slot.present = true;
    slot.at = at;
  }
  return Status::Ok();
}

Status ReadArray(JsonFile& file, simdjson::ondemand::value& value, const std::string& path,
                 const std::function<Status(simdjson::ondemand::value& element, const std::string& path)>& visit) {
  const char* at = LocationOf(value);
  json_type type;
  if (auto error = value.type().get(type)) return file.JsonError(error, path);
  if (type == json_type::null) {
    bool null = false;
    if (auto error = value.is_null().get(null)) return file.JsonError(error, path);
    return Status::Ok();
  }
  if (type != json_type::array) return file.Error(StatusCode::kCorruption, "expected an array", at, path);
  simdjson::ondemand::array array;
  if (auto error = value.get_array().get(array)) return file.JsonError(error, path);
  size_t index = 0;
  for (auto element_result : array) {
    std::string element_path = path + "[" + std::to_string(index++) + "]";
    simdjson::ondemand::value element;
    if (auto error = element_result.get(element)) return file.JsonError(error, element_path);
    if (Status s = visit(element, element_path); !s.ok()) return s;
  }
  return Status::Ok();
}

std::string EntryCheck::Where() const {
  std::string where = file_.name();
  if (uint64_t line = file_.LineOf(entry_at_); line > 0) where += ":" + std::to_string(line);
  return where + ": " + path_;
}

Status EntryCheck::Error(StatusCode code, std::string message, const FieldSlot* slot, std::string_view field) const {
  const char* at = slot && slot->at ? slot->at : entry_at_;
  std::string path = path_;
  if (!field.empty()) path += "." + std::string(field);
  return file_.Error(code, std::move(message), at, path);
}

std::string EntryCheck::TextOr(const FieldSlot& slot, std::string_view fallback) {
  return slot.text ? std::string(*slot.text) : std::string(fallback);
}

Result<std::string> EntryCheck::RequiredText(const FieldSlot& slot, std::string_view field) const {
  if (!slot.text || slot.text->empty())
    return Error(StatusCode::kCorruption, "missing required field '" + std::string(field) + "'", &slot, field);
  return std::string(*slot.text);
}

Result<std::string> EntryCheck::RequiredGuid(const FieldSlot& slot, std::string_view field) const {
  if (!slot.text || slot.text->empty())
    return Error(StatusCode::kCorruption, "missing required field '" + std::string(field) + "' (expected a GUID)", &slot, field);
  auto guid = NormalizeGuid(*slot.text);
  if (!guid) return Error(StatusCode::kCorruption, "not a GUID: " + QuoteValue(*slot.text), &slot, field);
  return *guid;
}

Result<std::optional<std::string>> EntryCheck::OptionalGuid(const FieldSlot& slot, std::string_view field) const {
  if (!slot.text || slot.text->empty()) return std::optional<std::string>();
  auto guid = NormalizeGuid(*slot.text);
  if (!guid) return Error(StatusCode::kCorruption, "not a GUID: " + QuoteValue(*slot.text), &slot, field);
  return std::optional<std::string>(*guid);
}

Result<std::optional<Timestamp>> EntryCheck::OptionalTime(const FieldSlot& slot, std::string_view field) const {
  if (!slot.text || slot.text->empty()) return std::optional<Timestamp>();
  auto t = ParseTime(*slot.text);
  if (!t.ok()) return Error(StatusCode::kCorruption, t.status().message(), &slot, field);
  return std::optional<Timestamp>(*t);
}

}  // namespace openpal::ingest
