// One JSON file of a snapshot, read with simdjson On-Demand, with error positions as "file:line: $.json.path".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/status.h"

namespace openpal::ingest {

// Called now and then while a large file is read: bytes consumed so far and the file's size.
using ProgressFn = std::function<void(const std::string& file, uint64_t done, uint64_t total)>;

// A loaded JSON file. Entries are visited once, in order (On-Demand is forward-only), and strings read from
// them stay valid as long as the JsonFile lives.
class JsonFile {
 public:
  // Loads `path`; `display_name` names it in errors (the path relative to the snapshot folder).
  static Result<std::unique_ptr<JsonFile>> Open(const std::string& path, std::string display_name);

  const std::string& name() const { return name_; }
  uint64_t size() const { return text_.size(); }

  // Calls `visit` with each entry of a bare array `[...]` or of a Graph page `{"value": [...]}` and its JSON
  // path ("$[3]" or "$.value[3]"). With `single_object_ok`, a root object that is not a page is the one entry
  // ("$"). Stops at the first error, invalid JSON included (reported with its line).
  Status ForEachEntry(const std::function<Status(simdjson::ondemand::value& entry, const std::string& path)>& visit,
                      bool single_object_ok = false, const ProgressFn& progress = nullptr);

  // An error about the value at `at` (a pointer into the file, or nullptr when unknown): where = "file:line: path".
  Status Error(StatusCode code, std::string message, const char* at, std::string_view path) const;
  // The error for a simdjson failure while reading at `path`: invalid JSON or a value of the wrong type.
  Status JsonError(simdjson::error_code error, std::string_view path);

  // The 1-based line of a pointer into the file (0 when it is outside).
  uint64_t LineOf(const char* at) const;

 private:
  JsonFile() = default;
  // For errors found before reading starts (an unclosed string, bad UTF-8): where the problem begins, or nullptr.
  const char* LocateUnreadableText(simdjson::error_code error) const;

  bool doc_ready_ = false;
  mutable const char* line_cache_at_ = nullptr;  // LineOf's last position and its line
  mutable uint64_t line_cache_line_ = 1;
  std::string name_;
  simdjson::padded_string text_;
  simdjson::ondemand::parser parser_;
  simdjson::ondemand::document doc_;
};

// Field readers for one entry. Each takes the field's value, its JSON path (for errors) and the file.
// A JSON null counts as absent for optional fields.

// A string, or nullopt when null. Error (code "BadJson") when it is another type.
Result<std::optional<std::string_view>> OptionalString(JsonFile& file, simdjson::ondemand::value& v,
                                                       std::string_view path);
// A boolean, or nullopt when null.
Result<std::optional<bool>> OptionalBool(JsonFile& file, simdjson::ondemand::value& v, std::string_view path);
// Where `v` starts in the file (nullptr when unknown), for error lines.
const char* LocationOf(simdjson::ondemand::value& v);
// True when the value is JSON null (consumes nothing else).
bool IsNull(simdjson::ondemand::value& v);

}  // namespace openpal::ingest
