// RunSpill: saved rows as length-prefixed fields in three unlinked temporary files, one per kind of row, so the
// store reads them back in the order it inserts them (all report rows, then unattributed rows, then reconciliation).
#include "engine/run_spill.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/report_query.h"

namespace openpal::engine {
namespace {

constexpr size_t kBufferBytes = size_t{1} << 18;

// Fields are written as they are in memory (the files never leave this process): 8-byte integers, strings as a
// 4-byte length and their bytes. Only one thread uses a spill, so the stream is not locked for each field.
bool PutInt(std::FILE* f, int64_t v) { return ::fwrite_unlocked(&v, sizeof v, 1, f) == 1; }
bool PutText(std::FILE* f, const std::string& s) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  return ::fwrite_unlocked(&n, sizeof n, 1, f) == 1 && (n == 0 || ::fwrite_unlocked(s.data(), 1, n, f) == n);
}
bool GetInt(std::FILE* f, int64_t& v) { return ::fread_unlocked(&v, sizeof v, 1, f) == 1; }
bool GetText(std::FILE* f, std::string& s) {
  uint32_t n = 0;
  if (::fread_unlocked(&n, sizeof n, 1, f) != 1) return false;
  s.resize(n);
  return n == 0 || ::fread_unlocked(s.data(), 1, n, f) == n;
}

// Reads one row with `get` (which reads every field in order): false at a clean end of the file; an error when the
// file ends inside a row or cannot be read.
template <typename Get>
Result<bool> ReadRow(std::FILE* f, const char* what, Get get) {
  const int c = ::getc_unlocked(f);
  if (c == EOF) {
    if (std::ferror(f)) return Status::Error(StatusCode::kIoError, std::string("cannot read the temporary file of ") + what);
    return false;
  }
  std::ungetc(c, f);
  if (!get()) return Status::Error(StatusCode::kIoError, std::string("the temporary file of ") + what + " ends inside a row");
  return true;
}

}  // namespace

Result<std::unique_ptr<RunSpill>> RunSpill::Create(const std::string& dir) {
  std::unique_ptr<RunSpill> spill(new RunSpill());
  std::error_code ec;
  spill->dir_ = dir.empty() ? std::filesystem::temp_directory_path(ec).string() : dir;
  if (spill->dir_.empty()) spill->dir_ = "/tmp";
  for (File* file : {&spill->report_, &spill->unattributed_, &spill->reconciliation_}) {
    std::string pattern = spill->dir_ + "/pal-save-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0)
      return Status::Error(StatusCode::kIoError,
                           std::string("cannot create a temporary file for --save: ") + std::strerror(errno),
                           spill->dir_);
    ::unlink(pattern.c_str());  // the open descriptor keeps it; the directory never shows it for long
    file->f = ::fdopen(fd, "w+b");
    if (!file->f) {
      ::close(fd);
      return Status::Error(StatusCode::kIoError, "cannot open a temporary file for --save", spill->dir_);
    }
    file->buffer = std::make_unique<char[]>(kBufferBytes);
    std::setvbuf(file->f, file->buffer.get(), _IOFBF, kBufferBytes);
  }
  return spill;
}

RunSpill::~RunSpill() {
  for (File* file : {&report_, &unattributed_, &reconciliation_})
    if (file->f) std::fclose(file->f);
}

Status RunSpill::Failed(const char* doing) const {
  return Status::Error(StatusCode::kIoError, std::string("--save: cannot ") + doing + " its temporary files (disk full?)", dir_);
}

Status RunSpill::Add(const FileResult& file, const DirectoryView& index) {
  if (reading_) return Status::Error(StatusCode::kFailedPrecondition, "rows added to a run after it was read");
  const int fi = static_cast<int>(info_.files.size());
  std::error_code ec;
  // A URL (a blob read from Azure Storage, recorded without its SAS) is kept as given; a local path made absolute.
  const bool url = file.path.find("://") != std::string::npos;
  auto absolute = url ? std::filesystem::path(file.path) : std::filesystem::absolute(file.path, ec);
  info_.files.push_back(RunFile{fi, ec || url ? file.path : absolute.lexically_normal().string(), file.sha256,
                                static_cast<int64_t>(file.result.rows_read)});
  auto see_month = [&](const std::string& m) {
    if (m.empty()) return;
    if (info_.from.empty() || m < info_.from) info_.from = m;
    if (info_.to.empty() || m > info_.to) info_.to = m;
  };
  bool ok = true;
  std::FILE* f = report_.f;
  for (const ReportRow& r : file.result.report) {
    see_month(r.month);
    ok = ok && PutInt(f, fi) && PutText(f, r.partner_id) && PutText(f, r.partner_name) &&
         PutText(f, r.customer_tenant_id) && PutText(f, r.subscription_id) && PutText(f, r.month) &&
         PutText(f, r.currency) && PutText(f, r.admin_type) && PutInt(f, static_cast<int64_t>(r.usage_rows)) &&
         PutText(f, usage::FormatMoney(r.total_cost)) && PutText(f, usage::FormatMoney(r.attributed_cost));
  }
  report_rows_ += file.result.report.size();
  f = unattributed_.f;
  for (const UnattributedRow& r : file.result.unattributed) {
    see_month(r.month);
    ok = ok && PutInt(f, fi) && PutText(f, CustomerTenantOf(r, index)) && PutText(f, r.subscription_id) &&
         PutText(f, r.month) && PutText(f, r.currency) && PutText(f, r.reason) &&
         PutInt(f, static_cast<int64_t>(r.usage_rows)) && PutText(f, usage::FormatMoney(r.total_cost));
  }
  f = reconciliation_.f;
  for (const CurrencyReconciliation& c : file.result.reconciliation) {
    ok = ok && PutInt(f, fi) && PutText(f, c.currency) && PutInt(f, static_cast<int64_t>(c.rows_credited)) &&
         PutInt(f, static_cast<int64_t>(c.rows_not_credited)) && PutInt(f, static_cast<int64_t>(c.rows_rejected)) &&
         PutText(f, usage::FormatMoney(c.read)) && PutText(f, usage::FormatMoney(c.credited)) &&
         PutText(f, usage::FormatMoney(c.not_credited)) && PutText(f, usage::FormatMoney(c.rejected)) &&
         PutText(f, usage::FormatMoney(c.attributed));
  }
  return ok ? Status::Ok() : Failed("write");
}

Status RunSpill::StartReading() {
  for (File* file : {&report_, &unattributed_, &reconciliation_})
    if (std::fflush(file->f) != 0 || std::fseek(file->f, 0, SEEK_SET) != 0) return Failed("rewind");
  reading_ = true;
  return Status::Ok();
}

Result<bool> RunSpill::NextReport(SavedReportRow& r) {
  if (!reading_) return Status::Error(StatusCode::kFailedPrecondition, "the run's rows are read before StartReading");
  std::FILE* f = report_.f;
  return ReadRow(f, "report rows", [&] {
    int64_t fi = 0, rows = 0;
    bool ok = GetInt(f, fi) && GetText(f, r.partner_id) && GetText(f, r.partner_name) &&
              GetText(f, r.customer_tenant_id) && GetText(f, r.subscription_id) && GetText(f, r.month) &&
              GetText(f, r.currency) && GetText(f, r.admin_type) && GetInt(f, rows) && GetText(f, r.total_cost) &&
              GetText(f, r.attributed_cost);
    r.file_index = static_cast<int>(fi);
    r.usage_rows = rows;
    return ok;
  });
}

Result<bool> RunSpill::NextUnattributed(SavedUnattributedRow& r) {
  if (!reading_) return Status::Error(StatusCode::kFailedPrecondition, "the run's rows are read before StartReading");
  std::FILE* f = unattributed_.f;
  return ReadRow(f, "unattributed rows", [&] {
    int64_t fi = 0, rows = 0;
    bool ok = GetInt(f, fi) && GetText(f, r.customer_tenant_id) && GetText(f, r.subscription_id) &&
              GetText(f, r.month) && GetText(f, r.currency) && GetText(f, r.reason) && GetInt(f, rows) &&
              GetText(f, r.total_cost);
    r.file_index = static_cast<int>(fi);
    r.usage_rows = rows;
    return ok;
  });
}

Result<bool> RunSpill::NextReconciliation(SavedReconciliation& r) {
  if (!reading_) return Status::Error(StatusCode::kFailedPrecondition, "the run's rows are read before StartReading");
  std::FILE* f = reconciliation_.f;
  return ReadRow(f, "the reconciliation", [&] {
    int64_t fi = 0;
    bool ok = GetInt(f, fi) && GetText(f, r.currency) && GetInt(f, r.rows_credited) &&
              GetInt(f, r.rows_not_credited) && GetInt(f, r.rows_rejected) && GetText(f, r.read) &&
              GetText(f, r.credited) && GetText(f, r.not_credited) && GetText(f, r.rejected) &&
              GetText(f, r.attributed);
    r.file_index = static_cast<int>(fi);
    return ok;
  });
}

}  // namespace openpal::engine
