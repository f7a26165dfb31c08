// The attribute loop: files in order; a large plain file is split at a line break near its middle and its halves are
// credited at once on two threads (each with its own Attributor, merged at the end). The split is kept only when the
// first half ends exactly at a record boundary (not inside a quoted field); otherwise the file is read again whole.
#include "engine/run.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

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

struct Rejection {
  std::string file;
  uint64_t line;
  std::string why;
};

// One reader's rows into one Attributor; rejected rows kept (up to `cap`) with their line shifted by `line_offset`.
struct Part {
  std::unique_ptr<Attributor> attributor;
  std::vector<Rejection> rejections;
  uint64_t rejected_total = 0;
  Status status;
};

void ReadInto(usage::UsageReader& reader, Part& part, uint64_t line_offset, size_t cap, std::atomic<uint64_t>& rows,
              const std::function<void(uint64_t)>& tick) {
  usage::UsageRow row;
  usage::RejectedRow rejected;
  uint64_t local = 0;
  for (;;) {
    auto outcome = reader.Read(row, rejected);
    if (!outcome.ok()) {
      part.status = outcome.status();
      return;
    }
    if (*outcome == usage::UsageReader::Outcome::kEnd) break;
    if (*outcome == usage::UsageReader::Outcome::kRow) {
      part.attributor->AddRow(row);
    } else {
      part.attributor->AddRejected(rejected);
      ++part.rejected_total;
      if (part.rejections.size() < cap)
        part.rejections.push_back(Rejection{reader.path(), rejected.line + line_offset, rejected.why});
    }
    if ((++local & 0xFFFF) == 0) {
      rows.fetch_add(0x10000, std::memory_order_relaxed);
      if (tick) tick(reader.ConsumedBytes());
    }
  }
  rows.fetch_add(local & 0xFFFF, std::memory_order_relaxed);
}

// The offset just after the first line break at or after `from`, or 0 when there is none before `end`.
uint64_t LineBreakAfter(const std::string& path, uint64_t from, uint64_t end) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::vector<char> buffer(1 << 16);
  uint64_t at = from, found = 0;
  while (at < end && !found) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(at));
    if (n <= 0) break;
    if (const void* p = std::memchr(buffer.data(), '\n', static_cast<size_t>(n)))
      found = at + static_cast<uint64_t>(static_cast<const char*>(p) - buffer.data()) + 1;
    at += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return found < end ? found : 0;
}

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
  Progress progress(options.progress, total_bytes);
  std::atomic<uint64_t> rows{0};
  uint64_t done_bytes = 0;
  std::vector<AttributionResult> results;
  Part main;
  main.attributor = std::make_unique<Attributor>(index, policy);
  std::vector<Rejection> rejections;
  uint64_t rejected_total = 0;
  auto keep_rejections = [&](Part& part) {
    for (auto& r : part.rejections)
      if (rejections.size() < options.max_rejected_lines) rejections.push_back(std::move(r));
    rejected_total += part.rejected_total;
    part.rejections.clear();
    part.rejected_total = 0;
  };
  for (const auto& file : options.files) {
    auto opened = usage::UsageReader::Open(file, options.measure);
    if (!opened.ok()) return opened.status();
    auto reader = std::move(opened).value();
    uint64_t size = reader->FileSize();
    bool split = false;
    if (options.threads > 1 && !reader->compressed() && size >= options.split_bytes) {
      uint64_t boundary = LineBreakAfter(file, reader->header_end() + (size - reader->header_end()) / 2, size);
      if (boundary > reader->header_end()) {
        auto first = usage::UsageReader::OpenRange(file, options.measure, reader->header_end(), boundary);
        auto second = usage::UsageReader::OpenRange(file, options.measure, boundary, size);
        if (!first.ok()) return first.status();
        if (!second.ok()) return second.status();
        Part a, b;
        a.attributor = std::make_unique<Attributor>(index, policy);
        b.attributor = std::make_unique<Attributor>(index, policy);
        std::atomic<uint64_t> b_bytes{0};
        uint64_t first_line = reader->next_line() - 1;  // lines up to and including the header
        std::thread other([&] { ReadInto(**second, b, 0, options.max_rejected_lines, rows, nullptr); });
        ReadInto(**first, a, first_line, options.max_rejected_lines, rows, [&](uint64_t consumed) {
          progress.Update(rows.load(std::memory_order_relaxed), done_bytes + 2 * consumed);
        });
        other.join();
        (void)b_bytes;
        if (!a.status.ok()) return a.status;
        if (!b.status.ok()) return b.status;
        if ((*first)->ended_cleanly()) {
          uint64_t b_offset = first_line + (*first)->next_line() - 1;
          for (auto& r : b.rejections) r.line += b_offset;
          keep_rejections(a);
          keep_rejections(b);
          results.push_back(a.attributor->Finish());
          results.push_back(b.attributor->Finish());
          if (options.skip_cleanup) {
            (void)a.attributor.release();
            (void)b.attributor.release();
          }
          split = true;
        } else {
          rows.store(rows.load() - 0);  // counts are for progress only; the file is read again below
        }
      }
    }
    if (!split) {
      ReadInto(*reader, main, 0, options.max_rejected_lines, rows, [&](uint64_t consumed) {
        progress.Update(rows.load(std::memory_order_relaxed), done_bytes + consumed);
      });
      if (!main.status.ok()) return main.status;
      keep_rejections(main);
    }
    done_bytes += size;
  }
  progress.Update(rows.load(), done_bytes, true);
  if (options.rejected_log) {
    for (const auto& r : rejections) *options.rejected_log << "rejected: " << r.file << ":" << r.line << ": " << r.why << '\n';
    if (rejected_total > rejections.size())
      *options.rejected_log << "rejected: " << (rejected_total - rejections.size()) << " more rejected rows not listed\n";
  }
  results.push_back(main.attributor->Finish());
  if (options.skip_cleanup) (void)main.attributor.release();  // freeing millions of small objects only delays exit
  return MergeResults(std::move(results));
}

}  // namespace openpal::engine
