// The attribute loop: files in order; a large plain file is split at line breaks into one part per thread and the
// parts are credited at once (each thread with its own Attributor, added together at the end). The split is kept
// only when every part but the last ends exactly at a record boundary (not inside a quoted field); otherwise the
// files are read again whole.
#include "engine/run.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include "core/leave_for_exit.h"

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
  size_t file_index = 0;
};

// One reader's rows into one Attributor; rejected rows kept (up to `cap`) with their line within the reader's range
// (the caller shifts them by the lines before it).
struct Part {
  std::unique_ptr<Attributor> attributor;
  std::vector<Rejection> rejections;
  uint64_t rejected_total = 0;
  Status status;
};

// Rows gathered for Attributor::AddRows: the reader's views last only until its next Read(), so the text a row's
// crediting looks at is copied (into strings that keep their capacity from batch to batch).
class RowBatch {
 public:
  static constexpr size_t kSize = 128;
  void Add(const usage::UsageRow& row) {
    usage::UsageRow& to = rows_[count_];
    to = row;
    to.resource_id = Keep(resource_[count_], row.resource_id);
    to.subscription = Keep(subscription_[count_], row.subscription);
    to.currency = Keep(currency_[count_], row.currency);
    ++count_;
  }
  bool full() const { return count_ == kSize; }
  void FlushInto(Attributor& attributor) {
    attributor.AddRows(rows_, count_);
    count_ = 0;
  }

 private:
  static std::string_view Keep(std::string& store, std::string_view text) {
    store.assign(text.data(), text.size());
    return store;
  }
  usage::UsageRow rows_[kSize];
  std::string resource_[kSize], subscription_[kSize], currency_[kSize];
  size_t count_ = 0;
};

void ReadInto(usage::UsageReader& reader, Part& part, size_t cap, std::atomic<uint64_t>& rows,
              const std::function<void(uint64_t)>& tick) {
  usage::UsageRow row;
  usage::RejectedRow rejected;
  auto batch = std::make_unique<RowBatch>();
  uint64_t local = 0;
  for (;;) {
    auto outcome = reader.Read(row, rejected);
    if (!outcome.ok()) {
      part.status = outcome.status();
      return;
    }
    if (*outcome == usage::UsageReader::Outcome::kEnd) break;
    if (*outcome == usage::UsageReader::Outcome::kRow) {
      batch->Add(row);
      if (batch->full()) batch->FlushInto(*part.attributor);
    } else {
      // Sums do not depend on order, so a rejected row may be counted before the batched rows above it.
      part.attributor->AddRejected(rejected);
      ++part.rejected_total;
      if (part.rejections.size() < cap)
        part.rejections.push_back(Rejection{reader.path(), rejected.line, rejected.why});
    }
    if ((++local & 0xFFFF) == 0) {
      rows.fetch_add(0x10000, std::memory_order_relaxed);
      if (tick) tick(reader.ConsumedBytes());
    }
  }
  batch->FlushInto(*part.attributor);
  part.attributor->Flush();  // here, on this part's thread, rather than one after the other when combining
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

namespace {

// One pass over the files. Returns nullopt when a split point turned out to be inside a quoted field: the halves'
// credit is then unusable and the caller runs again without splitting (rare: a line break inside a quoted field at
// exactly the middle of a file).
Result<std::optional<AttributionResult>> RunOnce(const DirectoryView& index, const RolePolicy& policy,
                                                 const AttributeOptions& options, uint64_t total_bytes, bool allow_split) {
  const auto started = std::chrono::steady_clock::now();
  Progress progress(options.progress, total_bytes);
  std::atomic<uint64_t> rows{0};
  uint64_t done_bytes = 0;
  // One attributor per thread for the whole run, all sharing one profile cache (each profile is built once, by
  // whichever thread meets it first): the first takes whole files and first parts, the others the later parts.
  const int threads = std::clamp(options.threads, 1, kMaxThreads);
  std::shared_ptr<ProfileCache> cache = options.profiles;
  if (cache && &cache->index() == &index && cache->slots() >= threads) {
    // Its blocks' cell caches name cells of the previous run's attributors: they stay only when every slot kept its
    // attributor's cells for the next one (ProfileCache::KeepMemos).
    if (!cache->keeps_memos() || !cache->every_slot_has_memo()) cache->ResetCellCaches();
  } else {
    cache = std::make_shared<ProfileCache>(index, policy, threads);
  }
  if (options.absorb_into && cache != options.profiles)  // its cells would name another cache's pool ids
    return Status::Error(StatusCode::kFailedPrecondition,
                         "absorb_into needs profiles built over this index with a slot per thread");
  std::vector<Part> parts(static_cast<size_t>(threads));
  for (int k = 0; k < threads; ++k) parts[static_cast<size_t>(k)].attributor = std::make_unique<Attributor>(cache, k);
  std::vector<Rejection> rejections;
  uint64_t rejected_total = 0;
  // Rejected lines are kept counted from 1 at the file's first record read (its span's `first`), `delta` added.
  auto keep_rejections = [&](Part& part, size_t file_index, int64_t delta) {
    for (auto& r : part.rejections)
      if (rejections.size() < options.max_rejected_lines)
        rejections.push_back(Rejection{r.file, static_cast<uint64_t>(static_cast<int64_t>(r.line) + delta), r.why,
                                       file_index});
    rejected_total += part.rejected_total;
    part.rejections.clear();
    part.rejected_total = 0;
  };
  std::vector<FileSpan> spans;
  for (size_t file_index = 0; file_index < options.files.size(); ++file_index) {
    const std::string& file = options.files[file_index];
    const uint64_t rows_before = rows.load();
    auto opened = usage::UsageReader::Open(file, options.measure, options.store);
    if (!opened.ok()) return opened.status();
    auto reader = std::move(opened).value();
    const uint64_t size = reader->FileSize(), body = reader->header_end();
    const uint64_t header_lines = reader->next_line() - 1;  // lines up to and including the header
    // The records read: those that start in [first, stop) (a byte range), else all after the header.
    FileSpan span{ByteRange{0, size}, body, size, 0, header_lines};
    const bool ranged = options.range && !(options.range->begin == 0 && options.range->end >= size);
    if (ranged) {
      span.range = *options.range;
      auto first = LineStartAtOrAfter(file, options.range->begin);
      if (!first.ok()) return first.status();
      span.first = std::max(body, *first);
      if (span.first != body) span.lines_before = kUnknownLines;
    }
    const uint64_t stop = ranged ? std::max(span.first, std::min(options.range->end, size)) : size;
    // Part boundaries: the line break after each k/threads of the records' bytes (duplicates and misses dropped).
    std::vector<uint64_t> bounds = {span.first};
    const bool local = !(options.store && options.store->Handles(file));
    if (allow_split && local && threads > 1 && !reader->compressed() && !reader->cr_line_ends() &&
        stop - span.first >= options.split_bytes) {
      for (int k = 1; k < threads; ++k) {
        uint64_t at = LineBreakAfter(file, span.first + (stop - span.first) * static_cast<uint64_t>(k) /
                                                            static_cast<uint64_t>(threads),
                                     stop);
        if (at > bounds.back()) bounds.push_back(at);
      }
    }
    bounds.push_back(stop);
    const size_t count = bounds.size() - 1;
    if (count > 1 || ranged) {
      // Each part but the last reads exactly its bytes; the last reads the records that start before `stop`, the
      // last of them to its end.
      std::vector<std::unique_ptr<usage::UsageReader>> ranges;
      for (size_t k = 0; k < count; ++k) {
        auto range = k + 1 < count ? reader->OpenPart(bounds[k], bounds[k + 1]) : reader->OpenRecords(bounds[k], stop);
        if (!range.ok()) return range.status();
        ranges.push_back(std::move(range).value());
      }
      std::vector<std::thread> others;
      for (size_t k = 1; k < count; ++k)
        others.emplace_back([&, k] { ReadInto(*ranges[k], parts[k], options.max_rejected_lines, rows, nullptr); });
      ReadInto(*ranges[0], parts[0], options.max_rejected_lines, rows, [&](uint64_t consumed) {
        progress.Update(rows.load(std::memory_order_relaxed), done_bytes + count * consumed);
      });
      for (auto& t : others) t.join();
      for (size_t k = 0; k < count; ++k)
        if (!parts[k].status.ok()) return parts[k].status;
      // A part that did not end at a record boundary means a split fell inside a quoted field.
      for (size_t k = 0; k + 1 < count; ++k)
        if (!ranges[k]->ended_cleanly()) return std::optional<AttributionResult>();
      uint64_t shift = 0;  // physical lines before part k, from `first`
      for (size_t k = 0; k < count; ++k) {
        keep_rejections(parts[k], file_index, static_cast<int64_t>(shift));
        shift += ranges[k]->next_line() - 1;
      }
      span.lines = shift;
      span.end = ranges.back()->NextRecordOffset();
    } else {
      ReadInto(*reader, parts[0], options.max_rejected_lines, rows, [&](uint64_t consumed) {
        progress.Update(rows.load(std::memory_order_relaxed), done_bytes + consumed);
      });
      if (!parts[0].status.ok()) return parts[0].status;
      keep_rejections(parts[0], file_index, -static_cast<int64_t>(header_lines));
      span.lines = reader->next_line() - 1 - header_lines;
    }
    spans.push_back(span);
    done_bytes += size;
    // A header and nothing after it is said, not passed over: an empty export is possible, a misread one too.
    if (rows.load() == rows_before && options.rejected_log && !ranged)
      *options.rejected_log << "attribute: " << file << ": no rows after the header (nothing to credit in this file)\n";
  }
  progress.Update(rows.load(), done_bytes, true);
  // Each amount is at most 10^15 in its currency (usage::kMaxAmountUnits); sums of up to kMaxRows of them are exact in
  // 128 bits. More rows than that could overflow a total, so they are refused rather than summed wrongly.
  if (rows.load() > usage::kMaxSummedRows)
    return Status::Error(StatusCode::kResourceExhausted,
                         "more than " + std::to_string(usage::kMaxSummedRows) +
                             " rows in one run: totals could no longer be summed exactly; split the files into runs");
  const auto credited = std::chrono::steady_clock::now();
  if (options.listing) {
    options.listing->spans = std::move(spans);
    options.listing->rejections.clear();
    for (auto& r : rejections) options.listing->rejections.push_back(ListedRejection{r.file_index, r.line, std::move(r.why)});
    options.listing->rejected_total = rejected_total;
  } else if (options.rejected_log) {
    for (const auto& r : rejections) {
      const FileSpan& span = spans[r.file_index];
      if (span.lines_before != kUnknownLines)
        *options.rejected_log << "rejected: " << r.file << ":" << span.lines_before + r.line << ": " << r.why << '\n';
      else  // a byte range not read from the header: its lines are numbered from its first record
        *options.rejected_log << "rejected: " << r.file << " (bytes from " << span.first << "), line " << r.line
                              << " of the range: " << r.why << '\n';
    }
    if (rejected_total > rejections.size())
      *options.rejected_log << "rejected: " << (rejected_total - rejections.size()) << " more rejected rows not listed\n";
  }
  // The other parts' cells are added into the first's (integer keys), then one Finish() sorts and names them. An
  // absorbed attributor is freed at once (flat tables, quick to free), before the report rows are made.
  for (size_t k = 1; k < parts.size(); ++k) {
    parts[0].attributor->Absorb(*parts[k].attributor);
    parts[k].attributor.reset();
  }
  const auto combined = std::chrono::steady_clock::now();
  AttributionResult merged;
  if (options.cells) {
    *options.cells = parts[0].attributor->FinishCells();
    merged.rows_read = options.cells->rows_read;
    merged.rows_rejected_without_cost = options.cells->rows_rejected_without_cost;
    merged.distinct_scopes = options.cells->distinct_scopes;
  } else {
    merged = parts[0].attributor->Finish();
  }
  if (options.absorb_into) options.absorb_into->Absorb(*parts[0].attributor);
  if (options.skip_cleanup) {  // freeing millions of small objects only delays the exit
    for (auto& part : parts) LeaveForExit(std::move(part.attributor));
  }
  if (options.times) {
    using Seconds = std::chrono::duration<double>;
    options.times->credit = Seconds(credited - started).count();
    options.times->combine = Seconds(combined - credited).count();
    options.times->finish = Seconds(std::chrono::steady_clock::now() - combined).count();
  }
  return std::optional<AttributionResult>(std::move(merged));
}

}  // namespace

Result<AttributionResult> RunAttribution(const DirectoryView& index, const RolePolicy& policy,
                                         const AttributeOptions& options) {
  // Check every header first: a bad file stops the run before any work, naming the file. Readers are then
  // reopened one at a time, so memory does not grow with the number of files.
  uint64_t total_bytes = 0;
  for (const auto& file : options.files) {
    auto reader = usage::UsageReader::Open(file, options.measure, options.store);
    if (!reader.ok()) return reader.status();
    total_bytes += (*reader)->FileSize();
    if (options.range) {
      const ByteRange& range = *options.range;
      if (options.files.size() != 1)
        return Status::Error(StatusCode::kInvalidArgument, "a byte range is of one file: give exactly one");
      if (range.begin >= range.end)
        return Status::Error(StatusCode::kInvalidArgument,
                             "empty byte range " + std::to_string(range.begin) + ":" + std::to_string(range.end), file);
      const bool whole = range.begin == 0 && range.end >= (*reader)->FileSize();
      if (!whole && (*reader)->compressed())
        return Status::Error(StatusCode::kInvalidArgument,
                             "a gzip file cannot be read from a byte offset: credit it whole (range 0:size)", file);
      if (!whole && (*reader)->cr_line_ends())
        return Status::Error(StatusCode::kInvalidArgument,
                             "a file whose lines end with CR alone is not cut into byte ranges: credit it whole", file);
      if (!whole && options.store && options.store->Handles(file))
        return Status::Error(StatusCode::kInvalidArgument, "byte ranges are of local files only", file);
      if (range.end > (*reader)->FileSize())
        return Status::Error(StatusCode::kInvalidArgument,
                             "the byte range ends at " + std::to_string(range.end) + ", past the file's " +
                                 std::to_string((*reader)->FileSize()) + " bytes",
                             file);
    }
  }
  auto result = RunOnce(index, policy, options, total_bytes, /*allow_split=*/true);
  if (!result.ok()) return result.status();
  if (*result) return std::move(**result);
  auto again = RunOnce(index, policy, options, total_bytes, /*allow_split=*/false);
  if (!again.ok()) return again.status();
  return std::move(**again);
}

Result<uint64_t> LineStartAtOrAfter(const std::string& path, uint64_t from) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::Error(StatusCode::kIoError, std::string("cannot stat: ") + std::strerror(errno), path);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (from == 0 || from >= size) return std::min(from, size);
  // The first line break at or after from - 1: a line starts just after it.
  const uint64_t at = LineBreakAfter(path, from - 1, size + 1);
  return at == 0 ? size : at;
}

Result<std::vector<ByteRange>> CutIntoRanges(const std::string& path, int n) {
  auto opened = usage::UsageReader::Open(path, usage::Measure::kEffective);
  if (!opened.ok()) return opened.status();
  const usage::UsageReader& reader = **opened;
  const uint64_t size = reader.FileSize(), body = reader.header_end();
  std::vector<uint64_t> cuts = {0};
  if (n > 1 && !reader.compressed() && !reader.cr_line_ends()) {
    for (int k = 1; k < n; ++k) {
      auto at = LineStartAtOrAfter(path, body + (size - body) * static_cast<uint64_t>(k) / static_cast<uint64_t>(n));
      if (!at.ok()) return at.status();
      if (*at > cuts.back() && *at > body && *at < size) cuts.push_back(*at);
    }
  }
  cuts.push_back(size);
  std::vector<ByteRange> ranges;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) ranges.push_back(ByteRange{cuts[k], cuts[k + 1]});
  return ranges;
}

}  // namespace openpal::engine
