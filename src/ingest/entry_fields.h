// Reading the fields of one JSON entry into slots and validating them (GUIDs, times, required fields).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "ingest/json_file.h"

namespace openpal::ingest {

enum class FieldType { kString, kBool };

// A field an entry may have.
struct FieldSpec {
  std::string_view name;
  FieldType type = FieldType::kString;
};

// What an entry had for one FieldSpec. `at` points at the value in the file, for error lines.
struct FieldSlot {
  bool present = false;                   // present and not null
  std::optional<std::string_view> text;   // kString
  std::optional<bool> flag;               // kBool
  const char* at = nullptr;
};

// Called for fields not in the specs (nested objects and arrays) with the entry's path (the field's path is
// entry_path + "." + key); unknown fields are skipped by returning Ok without reading `value`.
using NestedFieldFn = std::function<Status(std::string_view key, simdjson::ondemand::value& value,
                                           const std::string& entry_path)>;

// Reads the object `entry` at `path`: fields named in `specs` go to `slots` (same order; a slot already present
// is kept, so an outer level wins over a nested "properties" level), others to `nested` (if given).
// Error when `entry` is not an object or a field has the wrong type.
Status ReadObject(JsonFile& file, simdjson::ondemand::value& entry, const std::string& path,
                  std::span<const FieldSpec> specs, std::vector<FieldSlot>& slots, const NestedFieldFn& nested = nullptr);

// Reads the array `value` at `path`, calling `visit` per element with its path ("...members[2]"). Null = empty.
Status ReadArray(JsonFile& file, simdjson::ondemand::value& value, const std::string& path,
                 const std::function<Status(simdjson::ondemand::value& element, const std::string& path)>& visit);

// The validated reading of one entry's slots; each names the field in its error ("$[3].principalId").
class EntryCheck {
 public:
  EntryCheck(const JsonFile& file, const std::string& path, const char* entry_at)
      : file_(file), path_(path), entry_at_(entry_at) {}

  // A required non-empty string.
  Result<std::string> RequiredText(const FieldSlot& slot, std::string_view field) const;
  // A required GUID, canonical (lowercase).
  Result<std::string> RequiredGuid(const FieldSlot& slot, std::string_view field) const;
  // An optional GUID (nullopt when absent or empty).
  Result<std::optional<std::string>> OptionalGuid(const FieldSlot& slot, std::string_view field) const;
  // An optional time (absent, null or empty = nullopt).
  Result<std::optional<Timestamp>> OptionalTime(const FieldSlot& slot, std::string_view field) const;
  // The string or "" when absent.
  static std::string TextOr(const FieldSlot& slot, std::string_view fallback = {});

  // An error about `field` (or the entry itself when `field` is empty).
  Status Error(StatusCode code, std::string message, const FieldSlot* slot, std::string_view field) const;
  // "file: $[3]" for messages that point at the entry.
  std::string Where() const;

 private:
  const JsonFile& file_;
  const std::string& path_;
  const char* entry_at_;
};

}  // namespace openpal::ingest
