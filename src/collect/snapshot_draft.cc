// Temporary-folder-then-rename snapshot writing (see snapshot_draft.h).
#include "collect/snapshot_draft.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace openpal::collect {
namespace fs = std::filesystem;

namespace {

Status IoError(const std::string& what, const std::string& path) {
  return Status::Error(StatusCode::kIoError, what + ": " + std::strerror(errno), path);
}

// Makes a folder's entries durable (the rename, the new files), best effort.
void SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

Status CloseDurably(std::FILE* f, const std::string& path) {
  bool ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  return ok ? Status::Ok() : IoError("cannot write", path);
}

}  // namespace

Result<std::unique_ptr<JsonArrayWriter>> JsonArrayWriter::Create(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return IoError("cannot create", path);
  if (std::fputs("[", f) < 0) {
    std::fclose(f);
    return IoError("cannot write", path);
  }
  return std::unique_ptr<JsonArrayWriter>(new JsonArrayWriter(path, f));
}

JsonArrayWriter::~JsonArrayWriter() {
  if (file_) Abandon();
}

Status JsonArrayWriter::Add(const nlohmann::json& entry) {
  std::string line = (count_ ? ",\n  " : "\n  ") + entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) {
    failed_ = true;
    return IoError("cannot write", path_);
  }
  ++count_;
  return Status::Ok();
}

Status JsonArrayWriter::Close() {
  if (!file_) return Status::Error(StatusCode::kIoError, "already closed", path_);
  bool ok = !failed_ && std::fputs(count_ ? "\n]\n" : "]\n", file_) >= 0;
  Status s = CloseDurably(file_, path_);
  file_ = nullptr;
  if (!ok && s.ok()) s = IoError("cannot write", path_);
  if (!s.ok()) std::remove(path_.c_str());
  return s;
}

void JsonArrayWriter::Abandon() {
  if (file_) std::fclose(file_);
  file_ = nullptr;
  std::remove(path_.c_str());
}

Result<std::unique_ptr<SnapshotDraft>> SnapshotDraft::Begin(const std::string& out_dir) {
  std::string out = out_dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  std::error_code ec;
  if (fs::exists(out, ec))
    return Status::Error(StatusCode::kAlreadyExists, "the output folder already exists; a snapshot is never overwritten (choose a new "
                         "folder, e.g. exports/$(date -u +%F))", out);
  fs::path parent = fs::path(out).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    return Status::Error(StatusCode::kIoError, "the parent folder does not exist", parent.string());
  std::string draft = out + ".partial-" + std::to_string(::getpid());
  fs::remove_all(draft, ec);  // a leftover of a crashed run with the same pid
  if (!fs::create_directory(draft, ec))
    return Status::Error(StatusCode::kIoError, "cannot create the temporary folder: " + ec.message(), draft);
  return std::unique_ptr<SnapshotDraft>(new SnapshotDraft(out, draft));
}

SnapshotDraft::~SnapshotDraft() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(draft_, ec);
  }
}

Result<std::string> SnapshotDraft::PathOf(const std::string& relative) {
  fs::path path = fs::path(draft_) / relative;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Status::Error(StatusCode::kIoError, "cannot create folder: " + ec.message(), path.parent_path().string());
  return path.string();
}

Status SnapshotDraft::WriteJson(const std::string& relative, const nlohmann::json& doc) {
  auto path = PathOf(relative);
  if (!path.ok()) return path.status();
  std::FILE* f = std::fopen(path->c_str(), "wb");
  if (!f) return IoError("cannot create", *path);
  std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
    std::fclose(f);
    return IoError("cannot write", *path);
  }
  return CloseDurably(f, *path);
}

void SnapshotDraft::RemoveDir(const std::string& relative) {
  std::error_code ec;
  fs::remove_all(fs::path(draft_) / relative, ec);
}

Status SnapshotDraft::Commit() {
  for (auto it = fs::recursive_directory_iterator(draft_); it != fs::recursive_directory_iterator(); ++it)
    if (it->is_directory()) SyncDir(it->path().string());
  SyncDir(draft_);
  std::error_code ec;
  if (fs::exists(out_, ec))
    return Status::Error(StatusCode::kAlreadyExists, "the output folder appeared while collecting; nothing was written",
                         out_);
  if (std::rename(draft_.c_str(), out_.c_str()) != 0) return IoError("cannot rename " + draft_ + " to", out_);
  committed_ = true;
  fs::path parent = fs::path(out_).parent_path();
  SyncDir(parent.empty() ? "." : parent.string());
  return Status::Ok();
}

}  // namespace openpal::collect
