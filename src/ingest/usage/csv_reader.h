// A streaming RFC 4180 CSV record reader over a plain or gzip file, hand-written for speed (see docs/attribution.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openpal::usage {

// Reads bytes from a file, inflating it when it starts with the gzip magic bytes (whatever its name).
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Opens `path`; error IoError naming the file when it cannot be opened.
  static Result<std::unique_ptr<ByteSource>> Open(const std::string& path);
  // Opens bytes [begin, end) of a plain (not gzip) file, for reading parts of one file in parallel.
  static Result<std::unique_ptr<ByteSource>> OpenRange(const std::string& path, uint64_t begin, uint64_t end);
  // Reads `raw` as Open reads a file: inflated when its first bytes are gzip's magic (several gzip members in a row are
  // read as one stream, as zlib's gzread does), as is otherwise. Reads the first bytes now, so compressed() is known.
  // For inputs that are not local files (collect/blob_store.h); errors name `origin`.
  static Result<std::unique_ptr<ByteSource>> Sniffed(std::unique_ptr<ByteSource> raw, std::string origin);
  // True when the bytes are inflated from gzip (such a file cannot be split).
  virtual bool compressed() const { return false; }
  // Fills up to `size` bytes; returns the count (0 at the end) or an error naming the file.
  virtual Result<size_t> Read(char* buffer, size_t size) = 0;
  // Bytes of the file consumed so far (compressed bytes for gzip), for progress.
  virtual uint64_t ConsumedBytes() const = 0;
  // The file's size on disk (0 if unknown).
  virtual uint64_t FileSize() const = 0;
};

// One CSV record: its fields (unquoted, "" unescaped, not trimmed) and the physical line where it starts (1-based).
// With columns selected (CsvReader::SelectColumns) only the entries at selected indexes below `count` are fields of
// this record: any other entry may be empty, stale or absent (`fields` may be shorter or longer than `count`).
struct CsvRecord {
  std::vector<std::string_view> fields;
  size_t count = 0;  // fields in the record (every field is counted, selected or not)
  uint64_t line = 0;
  // True when the record is an empty line (no bytes but the line break): not a row.
  bool blank = false;
};

// Splits a byte stream into records. Quoted fields may hold commas, quotes ("") and line breaks; CRLF and LF both end
// a record (and CR alone, in a file whose first line break is one). A stray quote inside an unquoted field is kept as
// data. Views stay valid until the next call to Next().
// Records without quotes are split by a fast path that looks at 32 bytes at a time where the CPU has AVX2, else 16
// (SSE2) or one. Tests switch to the portable one so that both are covered whatever the CPU; not thread-safe.
enum class SplitPath { kWidest, kPortable };
void SetSplitPathForTesting(SplitPath path);

// How records end. kDetect: the first line break decides, so LF, CRLF and CR-only (old Mac) files are all read;
// a CR-only file's CRs are read as LFs (a CRLF inside it then ends a record and leaves a blank line, skipped).
enum class LineEnds { kDetect, kLf, kCr };

class CsvReader {
 public:
  explicit CsvReader(std::unique_ptr<ByteSource> source, std::string origin, LineEnds line_ends = LineEnds::kDetect);
  // The line ends in use (kDetect until the first line break is seen).
  LineEnds line_ends() const { return line_ends_; }
  // Reads the next record into `record`; returns false at the end of the input, or an error from the source.
  Result<bool> Next(CsvRecord& record);
  // From now on Next() need only deliver the fields at these indexes (and every record's field count): a quote-free
  // record's other fields are passed over by counting their commas, never cut out. Empty: every field again.
  void SelectColumns(const std::vector<int>& columns);
  uint64_t ConsumedBytes() const { return source_->ConsumedBytes(); }
  uint64_t FileSize() const { return source_->FileSize(); }
  const std::string& origin() const { return origin_; }
  // Bytes of the input before the next record (decompressed bytes for gzip).
  uint64_t ConsumedOffset() const { return delivered_ - (end_ - begin_); }
  // The physical line the next record would start on.
  uint64_t line() const { return line_; }
  // True when the input ended at a record boundary (after a line break, outside quotes, or with no bytes at all):
  // a split point was a true record boundary only if the part before it ends cleanly.
  bool ended_cleanly() const { return clean_end_; }

 private:
  // Ensures the buffer holds unread bytes after `pos_`, moving the unread tail to the front; false at the end.
  Result<bool> Refill();
  // Sets line_ends_ from the first line break in buffer_[from, end_), when it can be told.
  void DecideLineEnds(size_t from);

  std::unique_ptr<ByteSource> source_;
  std::string origin_;
  // The read buffer, its bytes left uninitialised (a read writes them before any is read; nothing reads past end_):
  // zeroing 1 MiB on every open (a gzip or empty input's buffer) faulted in all its pages, over a quarter of the
  // usage_reader fuzzer's time. Not a std::vector with a non-initialising allocator: its per-element construct and
  // destroy loops stay loops in instrumented builds.
  class Buffer {
   public:
    explicit Buffer(size_t size) : bytes_(new char[size]), size_(size) {}
    char* data() { return bytes_.get(); }
    size_t size() const { return size_; }
    char operator[](size_t i) const { return bytes_[i]; }
    // To `size` bytes, keeping the first `keep`.
    void Grow(size_t size, size_t keep);

   private:
    std::unique_ptr<char[]> bytes_;
    size_t size_;
  };
  Buffer buffer_;
  size_t begin_ = 0;   // start of the current record in buffer_
  size_t end_ = 0;     // bytes of buffer_ filled
  bool eof_ = false;
  uint64_t line_ = 1;  // physical line at begin_
  bool clean_end_ = true;
  uint64_t delivered_ = 0;  // bytes handed over by the source so far
  std::string scratch_;  // unescaped quoted fields of the current record
  std::vector<std::pair<size_t, size_t>> spans_;  // field offsets: into buffer_ (even) or scratch_ (odd flag)
  std::vector<uint8_t> in_scratch_;
  LineEnds line_ends_;
  // Selected columns: wanted_[i] when field i is delivered; skip_[i] = how many delimiters from the i-th on (the one
  // ending field i, then i+1, ...) neither end nor start a wanted field (SIZE_MAX past the last wanted field).
  std::vector<uint8_t> wanted_;
  std::vector<size_t> skip_;
  size_t width_ = 0;  // 1 + the highest wanted index; 0: every field
};

}  // namespace openpal::usage
