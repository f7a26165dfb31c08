// The attribute loop: one reader at a time, rows handed to the Attributor, a progress line twice a second.
#include "engine/run.h"

#include <chrono>
#include <cstdio>
#include <iostream>

namespace openpal::engine {
namespace {

class Progress {
 public:
  Progress(bool enabled, uint64_t total_bytes) : enabled_(enabled), total_(total_bytes) {}
  void Update(uint64_t rows, uint64_t bytes, bool final = false) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    double seconds = std::chrono::duration<double>(now - start_).count();
    double rate = seconds > 0 ? static_cast<double>(bytes) / seconds : 0;
    double left = rate > 0 && total_ > bytes ? static_cast<double>(total_ - bytes) / rate : 0;
    std::fprintf(stderr, "\r%llu rows, %.1f / %.1f MB, %.1f MB/s, %.0f rows/s, %.0f s left   ",
                 static_cast<unsigned long long>(rows), bytes / 1e6, total_ / 1e6, rate / 1e6,
                 seconds > 0 ? rows / seconds : 0.0, left);
    if (final) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
};

}  // namespace

Result<AttributionResult> RunAttribution(const DirectoryIndex& index, const RolePolicy& policy,
                                         const AttributeOptions& options) {
  // Check every header first: a bad file stops the run before any work, naming the file. Readers are then
  // reopened one at a time, so memory does not grow with the number of files.
  uint64_t total_bytes = 0;
  for (const auto& file : options.files) {
    auto reader = usage::UsageReader::Open(file, options.measure);
    if (!reader.ok()) return reader.status();
    total_bytes += (*reader)->FileSize();
  }
  auto owned = std::make_unique<Attributor>(index, policy);
  Attributor& attributor = *owned;
  Progress progress(options.progress, total_bytes);
  uint64_t rows = 0, done_bytes = 0, rejected_listed = 0, rejected_total = 0;
  usage::UsageRow row;
  usage::RejectedRow rejected;
  for (const auto& file : options.files) {
    auto opened = usage::UsageReader::Open(file, options.measure);
    if (!opened.ok()) return opened.status();
    auto reader = std::move(opened).value();
    for (;;) {
      auto outcome = reader->Read(row, rejected);
      if (!outcome.ok()) return outcome.status();
      if (*outcome == usage::UsageReader::Outcome::kEnd) break;
      if (*outcome == usage::UsageReader::Outcome::kRow) {
        attributor.AddRow(row);
      } else {
        attributor.AddRejected(rejected);
        ++rejected_total;
        if (options.rejected_log && rejected_listed < options.max_rejected_lines) {
          ++rejected_listed;
          *options.rejected_log << "rejected: " << reader->path() << ":" << rejected.line << ": " << rejected.why
                                << '\n';
        }
      }
      if ((++rows & 0xFFFF) == 0) progress.Update(rows, done_bytes + reader->ConsumedBytes());
    }
    done_bytes += reader->FileSize();
  }
  progress.Update(rows, done_bytes, true);
  if (options.rejected_log && rejected_total > rejected_listed)
    *options.rejected_log << "rejected: " << (rejected_total - rejected_listed) << " more rejected rows not listed\n";
  AttributionResult result = attributor.Finish();
  if (options.skip_cleanup) (void)owned.release();  // freeing millions of small objects only delays the exit
  return result;
}

}  // namespace openpal::engine
