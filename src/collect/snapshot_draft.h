// A snapshot folder under construction: written into a temporary sibling folder and renamed into place only when
// complete, so a crash or an error never leaves a half-written snapshot where `pal import` would read it.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace openpal::collect {

// A JSON array file written one entry per line (so `pal import`'s line numbers point at entries), flushed and
// fsync'ed on Close. Not thread-safe.
class JsonArrayWriter {
 public:
  // Creates (truncates) `path`. Errors: IoError.
  static Result<std::unique_ptr<JsonArrayWriter>> Create(const std::string& path);
  ~JsonArrayWriter();

  Status Add(const nlohmann::json& entry);
  size_t count() const { return count_; }
  // Ends the array and makes the file durable. Errors: IoError (disk full, ...).
  Status Close();
  // Closes and deletes the file: its kind was not collected completely, and an absent file means "unchanged".
  void Abandon();

 private:
  JsonArrayWriter(std::string path, std::FILE* f) : path_(std::move(path)), file_(f) {}
  std::string path_;
  std::FILE* file_;
  size_t count_ = 0;
  bool failed_ = false;
};

class SnapshotDraft {
 public:
  // Starts a draft for `out_dir`, which must not exist yet (a snapshot is never overwritten) and whose parent
  // must. The draft lives in "<out_dir>.partial-<pid>". Errors: AlreadyExists, IoError.
  static Result<std::unique_ptr<SnapshotDraft>> Begin(const std::string& out_dir);
  ~SnapshotDraft();  // discards the draft unless committed

  // The draft's path of `relative` (e.g. "tenants/<id>/users.json"), its folder created.
  Result<std::string> PathOf(const std::string& relative);
  // Writes one JSON document (pretty, fsync'ed). Errors: IoError.
  Status WriteJson(const std::string& relative, const nlohmann::json& doc);
  // Removes a folder of the draft (a tenant nothing could be read from).
  void RemoveDir(const std::string& relative);

  // Moves the draft to out_dir (one rename). Errors: IoError, AlreadyExists (someone created out_dir meanwhile).
  Status Commit();
  const std::string& draft_dir() const { return draft_; }

 private:
  SnapshotDraft(std::string out, std::string draft) : out_(std::move(out)), draft_(std::move(draft)) {}
  std::string out_;
  std::string draft_;
  bool committed_ = false;
};

}  // namespace openpal::collect
