// JsonFile: loading, entry iteration over both array shapes, and error positions.
#include "ingest/json_file.h"

#include <algorithm>

#include "ingest/json_check.h"

namespace openpal::ingest {

using simdjson::ondemand::json_type;

Result<std::unique_ptr<JsonFile>> JsonFile::Open(const std::string& path, std::string display_name) {
  std::unique_ptr<JsonFile> file(new JsonFile());
  file->name_ = std::move(display_name);
  if (auto error = simdjson::padded_string::load(path).get(file->text_))
    return Status::Error(StatusCode::kIoError, std::string("cannot read the file: ") + simdjson::error_message(error), file->name_);
  // Blank out a UTF-8 byte-order mark, which some exporters (PowerShell's Out-File) write.
  if (file->text_.size() >= 3 && static_cast<unsigned char>(file->text_.data()[0]) == 0xEF &&
      static_cast<unsigned char>(file->text_.data()[1]) == 0xBB &&
      static_cast<unsigned char>(file->text_.data()[2]) == 0xBF) {
    std::fill(file->text_.data(), file->text_.data() + 3, ' ');
  }
  // The whole file is checked first: On-Demand only validates what is read, and a snapshot file is one JSON value,
  // not a place for NaN, trailing commas or duplicate keys in fields openpal happens to skip.
  if (Status s = ValidateJson(std::string_view(file->text_.data(), file->text_.size()), file->name_); !s.ok())
    return s;
  if (auto error = file->parser_.iterate(file->text_).get(file->doc_)) {
    // The document was never started, so it cannot say where it stopped: find the place ourselves.
    return file->Error(StatusCode::kCorruption, std::string("invalid JSON (") + simdjson::error_message(error) + ")",
                       file->LocateUnreadableText(error), "$");
  }
  file->doc_ready_ = true;
  return file;
}

const char* JsonFile::LocateUnreadableText(simdjson::error_code error) const {
  const char* p = text_.data();
  const char* end = p + text_.size();
  if (error == simdjson::UNCLOSED_STRING) {
    const char* open = nullptr;
    for (; p < end; ++p) {
      if (open && *p == '\\') {
        ++p;
      } else if (*p == '"') {
        open = open ? nullptr : p;
      }
    }
    return open;
  }
  if (error == simdjson::UTF8_ERROR) {
    while (p < end) {
      auto c = static_cast<unsigned char>(*p);
      int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
      if (extra < 0 || end - p <= extra) return p;
      for (int i = 1; i <= extra; ++i)
        if ((static_cast<unsigned char>(p[i]) >> 6) != 2) return p;
      p += 1 + extra;
    }
    return nullptr;
  }
  return nullptr;
}

uint64_t JsonFile::LineOf(const char* at) const {
  const char* begin = text_.data();
  const char* end = begin + text_.size();
  if (at == nullptr || at < begin || at > end) return 0;
  // Entries are located in file order, so counting resumes from the last answer: linear over the whole file.
  if (at < line_cache_at_ || line_cache_at_ == nullptr) {
    line_cache_at_ = begin;
    line_cache_line_ = 1;
  }
  line_cache_line_ += static_cast<uint64_t>(std::count(line_cache_at_, at, '\n'));
  line_cache_at_ = at;
  return line_cache_line_;
}

Status JsonFile::Error(StatusCode code, std::string message, const char* at, std::string_view path) const {
  std::string where = name_;
  if (uint64_t line = LineOf(at); line > 0) where += ":" + std::to_string(line);
  if (!path.empty()) where += ": " + std::string(path);
  return Status::Error(code, std::move(message), std::move(where));
}

Status JsonFile::JsonError(simdjson::error_code error, std::string_view path) {
  const char* at = nullptr;
  if (!doc_ready_ || doc_.current_location().get(at) != simdjson::SUCCESS) at = nullptr;
  // Past the end (a truncated file): point at the last line.
  if (at == nullptr && error != simdjson::INCORRECT_TYPE && text_.size() > 0) at = text_.data() + text_.size();
  std::string what = error == simdjson::INCORRECT_TYPE ? "a value of the wrong type" : "invalid JSON";
  return Error(StatusCode::kCorruption,
               what + " (" + simdjson::error_message(error) + ")", at, path);
}

Status JsonFile::ForEachEntry(
    const std::function<Status(simdjson::ondemand::value& entry, const std::string& path)>& visit,
    bool single_object_ok, const ProgressFn& progress) {
  json_type root_type;
  if (auto error = doc_.type().get(root_type)) return JsonError(error, "$");
  simdjson::ondemand::array entries;
  std::string prefix = "$";
  if (root_type == json_type::object) {
    simdjson::ondemand::value page_value;
    auto error = doc_.find_field_unordered("value").get(page_value);
    json_type value_type = json_type::null;
    if (!error) error = page_value.type().get(value_type);
    if (!error && value_type == json_type::array) {
      if (auto e = page_value.get_array().get(entries)) return JsonError(e, "$.value");
      prefix = "$.value";
    } else if (single_object_ok && (error == simdjson::NO_SUCH_FIELD || !error)) {
      doc_.rewind();
      simdjson::ondemand::value root;
      if (auto e = doc_.get_value().get(root)) return JsonError(e, "$");
      return visit(root, "$");
    } else if (error && error != simdjson::NO_SUCH_FIELD) {
      return JsonError(error, "$");
    } else {
      return Error(StatusCode::kCorruption, "expected an array of entries or a Graph page {\"value\": [...]}", text_.data(), "$");
    }
  } else if (root_type == json_type::array) {
    if (auto e = doc_.get_array().get(entries)) return JsonError(e, "$");
  } else {
    return Error(StatusCode::kCorruption, "expected an array of entries or a Graph page {\"value\": [...]}", text_.data(), "$");
  }

  size_t index = 0;
  const uint64_t progress_every = 1 << 14;
  for (auto element : entries) {
    std::string path = prefix + "[" + std::to_string(index) + "]";
    simdjson::ondemand::value entry;
    if (auto error = element.get(entry)) return JsonError(error, path);
    if (Status s = visit(entry, path); !s.ok()) return s;
    ++index;
    if (progress && index % progress_every == 0) {
      const char* at = nullptr;
      if (doc_.current_location().get(at) == simdjson::SUCCESS)
        progress(name_, static_cast<uint64_t>(at - text_.data()), text_.size());
    }
  }
  // Anything after the root value is an error On-Demand only reports when asked.
  // (current_location() fails with OUT_OF_BOUNDS exactly when everything was consumed.) A Graph page's other
  // fields, such as @odata.nextLink, may follow its value array and are left unread.
  if (const char* at = nullptr; prefix == "$" && doc_.current_location().get(at) == simdjson::SUCCESS)
    return Error(StatusCode::kCorruption, "invalid JSON: unexpected content after the root value", at, "$");
  if (progress) progress(name_, text_.size(), text_.size());
  return Status::Ok();
}

const char* LocationOf(simdjson::ondemand::value& v) {
  const char* at = nullptr;
  if (v.current_location().get(at) != simdjson::SUCCESS) return nullptr;
  return at;
}

bool IsNull(simdjson::ondemand::value& v) {
  json_type type;
  return v.type().get(type) == simdjson::SUCCESS && type == json_type::null;
}

Result<std::optional<std::string_view>> OptionalString(JsonFile& file, simdjson::ondemand::value& v,
                                                       std::string_view path) {
  json_type type;
  const char* at = LocationOf(v);
  if (auto error = v.type().get(type)) return file.JsonError(error, path);
  if (type == json_type::null) {
    bool null = false;
    if (auto error = v.is_null().get(null)) return file.JsonError(error, path);
    return std::optional<std::string_view>();
  }
  if (type != json_type::string) return file.Error(StatusCode::kCorruption, "expected a string", at, path);
  std::string_view s;
  if (auto error = v.get_string().get(s)) return file.JsonError(error, path);
  return std::optional<std::string_view>(s);
}

Result<std::optional<bool>> OptionalBool(JsonFile& file, simdjson::ondemand::value& v, std::string_view path) {
  json_type type;
  const char* at = LocationOf(v);
  if (auto error = v.type().get(type)) return file.JsonError(error, path);
  if (type == json_type::null) {
    bool null = false;
    if (auto error = v.is_null().get(null)) return file.JsonError(error, path);
    return std::optional<bool>();
  }
  if (type != json_type::boolean) return file.Error(StatusCode::kCorruption, "expected true or false", at, path);
  bool b = false;
  if (auto error = v.get_bool().get(b)) return file.JsonError(error, path);
  return std::optional<bool>(b);
}

}  // namespace openpal::ingest
