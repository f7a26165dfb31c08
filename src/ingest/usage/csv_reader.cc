// Streaming CSV: a refillable buffer, records parsed in place, quoted fields unescaped into a scratch string.
#include "ingest/usage/csv_reader.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace openpal::usage {
namespace {

class PlainSource : public ByteSource {
 public:
  PlainSource(int fd, std::string path, uint64_t size) : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PlainSource() override { ::close(fd_); }
  Result<size_t> Read(char* buffer, size_t size) override {
    for (;;) {
      ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) {
        consumed_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno != EINTR) return Status::Error(StatusCode::kIoError, std::string("cannot read: ") + std::strerror(errno), path_);
    }
  }
  uint64_t ConsumedBytes() const override { return consumed_; }
  uint64_t FileSize() const override { return size_; }

 private:
  int fd_;
  std::string path_;
  uint64_t size_;
  uint64_t consumed_ = 0;
};

// A byte range of a plain file, read with pread so several ranges of one file can be read at once.
class RangeSource : public ByteSource {
 public:
  RangeSource(int fd, std::string path, uint64_t begin, uint64_t end)
      : fd_(fd), path_(std::move(path)), at_(begin), begin_(begin), end_(end) {}
  ~RangeSource() override { ::close(fd_); }
  Result<size_t> Read(char* buffer, size_t size) override {
    size_t want = static_cast<size_t>(std::min<uint64_t>(size, end_ - at_));
    if (want == 0) return size_t{0};
    for (;;) {
      ssize_t n = ::pread(fd_, buffer, want, static_cast<off_t>(at_));
      if (n >= 0) {
        at_ += static_cast<uint64_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno != EINTR) return Status::Error(StatusCode::kIoError, std::string("cannot read: ") + std::strerror(errno), path_);
    }
  }
  uint64_t ConsumedBytes() const override { return at_ - begin_; }
  uint64_t FileSize() const override { return end_ - begin_; }

 private:
  int fd_;
  std::string path_;
  uint64_t at_, begin_, end_;
};

class GzipSource : public ByteSource {
 public:
  GzipSource(gzFile file, std::string path, uint64_t size) : file_(file), path_(std::move(path)), size_(size) {}
  ~GzipSource() override { gzclose(file_); }
  Result<size_t> Read(char* buffer, size_t size) override {
    int n = gzread(file_, buffer, static_cast<unsigned>(size));
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(file_, &code);
      return Status::Error(StatusCode::kIoError, std::string("corrupt gzip data: ") + (msg ? msg : "?"), path_);
    }
    // gzread returns a short count at the end; a truncated stream reports Z_BUF_ERROR there.
    if (n == 0) {
      int code = 0;
      gzerror(file_, &code);
      if (code != Z_OK && code != Z_STREAM_END)
        return Status::Error(StatusCode::kIoError, "truncated or corrupt gzip stream", path_);
    }
    return static_cast<size_t>(n);
  }
  uint64_t ConsumedBytes() const override {
    z_off_t off = gzoffset(file_);
    return off < 0 ? 0 : static_cast<uint64_t>(off);
  }
  uint64_t FileSize() const override { return size_; }
  bool compressed() const override { return true; }

 private:
  gzFile file_;
  std::string path_;
  uint64_t size_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> ByteSource::Open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO would wait for a writer before the regular-file check below could refuse it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Status::Error(StatusCode::kIoError, std::string("cannot open: ") + std::strerror(errno), path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = Status::Error(StatusCode::kIoError, std::string("cannot stat: ") + std::strerror(errno), path);
    ::close(fd);
    return s;
  }
  // Only a regular file: a link to /dev/zero would be read without end, a FIFO would block or be read once only.
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(StatusCode::kIoError,
                         std::string("expected a regular CSV file, found ") +
                             (S_ISDIR(st.st_mode)    ? "a directory"
                              : S_ISFIFO(st.st_mode) ? "a named pipe (FIFO)"
                              : S_ISCHR(st.st_mode)  ? "a character device"
                                                     : "not a regular file"),
                         path);
  }
  if (int flags = ::fcntl(fd, F_GETFL); flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  unsigned char magic[2] = {0, 0};
  ssize_t got = ::pread(fd, magic, 2, 0);
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
      ::close(fd);
      return Status::Error(StatusCode::kIoError, "cannot open gzip stream", path);
    }
    gzbuffer(gz, 1 << 20);
    return std::unique_ptr<ByteSource>(new GzipSource(gz, path, size));
  }
  return std::unique_ptr<ByteSource>(new PlainSource(fd, path, size));
}

Result<std::unique_ptr<ByteSource>> ByteSource::OpenRange(const std::string& path, uint64_t begin, uint64_t end) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(StatusCode::kIoError, std::string("cannot open: ") + std::strerror(errno), path);
  return std::unique_ptr<ByteSource>(new RangeSource(fd, path, begin, end));
}

namespace {
// The read buffer: 1 MiB, or just over a smaller plain file's size (a small file then costs no 1 MiB allocation and
// zeroing per open: the fuzz targets open thousands per second). Records longer than the buffer grow it.
size_t InitialBufferSize(const ByteSource& source) {
  constexpr uint64_t kMax = 1 << 20, kMin = 4096;
  if (source.compressed() || source.FileSize() == 0) return kMax;
  return static_cast<size_t>(std::clamp<uint64_t>(source.FileSize() + 1, kMin, kMax));
}
}  // namespace

void CsvReader::Buffer::Grow(size_t size, size_t keep) {
  std::unique_ptr<char[]> grown(new char[size]);
  std::memcpy(grown.get(), bytes_.get(), keep);
  bytes_ = std::move(grown);
  size_ = size;
}

CsvReader::CsvReader(std::unique_ptr<ByteSource> source, std::string origin, LineEnds line_ends)
    : source_(std::move(source)), origin_(std::move(origin)), buffer_(InitialBufferSize(*source_)), line_ends_(line_ends) {}

void CsvReader::DecideLineEnds(size_t from) {
  // The first line break decides: a CR not followed by LF means the file's lines end with CR alone.
  for (size_t i = from; i < end_; ++i) {
    if (buffer_[i] == '\n') {
      line_ends_ = LineEnds::kLf;
      return;
    }
    if (buffer_[i] == '\r') {
      if (i + 1 == end_ && !eof_) return;  // the next byte decides; look again after the next read
      line_ends_ = i + 1 < end_ && buffer_[i + 1] == '\n' ? LineEnds::kLf : LineEnds::kCr;
      return;
    }
  }
  if (eof_) line_ends_ = LineEnds::kLf;
}

Result<bool> CsvReader::Refill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  // A record longer than the buffer: grow it (a record is never split).
  if (end_ == buffer_.size()) buffer_.Grow(buffer_.size() * 2, end_);
  auto n = source_->Read(buffer_.data() + end_, buffer_.size() - end_);
  // Where the input broke: the line of the record being read (a truncated gzip, a blob that failed mid-stream).
  if (!n.ok()) return Status::Error(n.status().code(), n.status().message() + " (reading the record at line " +
                                                           std::to_string(line_) + ")", n.status().where());
  size_t fresh = end_;
  if (*n == 0) {
    eof_ = true;
  } else {
    end_ += *n;
    delivered_ += *n;
  }
  if (line_ends_ == LineEnds::kDetect) {
    DecideLineEnds(begin_);
    fresh = begin_;  // undecided, no record could end: every unread byte is still to be translated
  }
  // CR line ends are read as LF ones, so the record splitter (and its fast path) see one kind of line break.
  // Only such files pay for this pass.
  if (line_ends_ == LineEnds::kCr) {
    char* p = buffer_.data();
    size_t i = fresh;
#if defined(__SSE2__)
    const __m128i cr = _mm_set1_epi8('\r'), to_lf = _mm_set1_epi8('\n' - '\r');
    for (; i + 16 <= end_; i += 16) {  // 16 bytes at a time: CR + ('\n' - '\r') is LF
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      const __m128i fixed = _mm_add_epi8(v, _mm_and_si128(_mm_cmpeq_epi8(v, cr), to_lf));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p + i), fixed);
    }
#endif
    for (; i < end_; ++i) p[i] = p[i] == '\r' ? '\n' : p[i];
  }
  return *n > 0;
}

namespace {

// The fast path for the common record: no quote anywhere before its line break. Appends its fields to `fields` and
// returns the offset of the line break, or npos when a quote comes first or the buffer ends before a line break
// (the general loop then takes the record). Looks at 16 bytes at a time for ',', '\n' and '"' (SSE2 is part of
// x86-64; elsewhere the loop is byte by byte), or 32 with AVX2 where the CPU has it (chosen once, at run time).
struct FieldSplitter {
  const char* buf;
  size_t field;
  std::vector<std::string_view>& fields;
  // Ends the field at the delimiter at `at`; true when it is the line break (the record's last field).
  bool Delimiter(size_t at) {
    if (buf[at] == '\n') {
      size_t field_end = at;
      if (field_end > field && buf[field_end - 1] == '\r') --field_end;
      fields.emplace_back(buf + field, field_end - field);
      return true;
    }
    fields.emplace_back(buf + field, at - field);
    field = at + 1;
    return false;
  }
  // The delimiters in `marks` (bit i: byte p + i) before the first quote in `quotes`: the offset of the line break if
  // one ends the record, npos when a quote ends the fast path, or 0 to go on.
  template <typename Mask>
  size_t Block(size_t p, Mask marks, Mask quotes, bool& stop) {
    const Mask before_quote = quotes ? ((Mask{1} << __builtin_ctzll(quotes)) - 1) : ~Mask{0};
    Mask m = marks & before_quote;
    while (m) {
      const size_t at = p + static_cast<size_t>(__builtin_ctzll(m));
      if (Delimiter(at)) {
        stop = true;
        return at;
      }
      m &= m - 1;
    }
    if (quotes) {
      stop = true;
      return std::string_view::npos;
    }
    return 0;
  }
  size_t Tail(size_t p, size_t end) {
    for (; p < end; ++p) {
      if (buf[p] == '"') return std::string_view::npos;
      if ((buf[p] == ',' || buf[p] == '\n') && Delimiter(p)) return p;
    }
    return std::string_view::npos;
  }
};

size_t SplitUnquotedPortable(const char* buf, size_t pos, size_t end, std::vector<std::string_view>& fields) {
  FieldSplitter split{buf, pos, fields};
  size_t p = pos;
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(','), newline = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"');
  for (; p + 16 <= end; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + p));
    const auto quotes = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
    const auto marks = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, newline))));
    bool stop = false;
    const size_t at = split.Block<uint32_t>(p, marks, quotes, stop);
    if (stop) return at;
  }
#endif
  return split.Tail(p, end);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) size_t SplitUnquotedAvx2(const char* buf, size_t pos, size_t end,
                                                         std::vector<std::string_view>& fields) {
  FieldSplitter split{buf, pos, fields};
  size_t p = pos;
  const __m256i comma = _mm256_set1_epi8(','), newline = _mm256_set1_epi8('\n'), quote = _mm256_set1_epi8('"');
  for (; p + 32 <= end; p += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(buf + p));
    const auto quotes = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)));
    const auto marks = static_cast<uint32_t>(
        _mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, comma), _mm256_cmpeq_epi8(v, newline))));
    bool stop = false;
    const size_t at = split.Block<uint64_t>(p, marks, quotes, stop);
    if (stop) return at;
  }
  return split.Tail(p, end);
}
#endif

// The fast path with columns selected (CsvReader::SelectColumns): a quote-free record's delimiters are counted a
// block at a time (popcount), and only the few that end or start a selected field are looked at one by one; fields
// nobody reads are never cut out. Same record boundaries, field count and CR handling as FieldSplitter.
struct SelectedSplitter {
  const char* buf;
  size_t field;             // offset of the current field's first byte (kept only at delimiters that matter)
  const uint8_t* wanted;    // wanted[i]: field i is delivered, for i < width
  const size_t* skip;       // skip[min(i, width)]: delimiters from the i-th on that matter to no selected field
  size_t width;
  std::string_view* out;    // width entries
  size_t index = 0;         // delimiters seen so far: the index of the current field

  // The delimiter at `at` ends field `index`; it matters to a selected field (this one or the next).
  void Take(size_t at) {
    if (index < width && wanted[index]) {
      size_t field_end = at;
      if (buf[at] == '\n' && field_end > field && buf[field_end - 1] == '\r') --field_end;
      out[index] = std::string_view(buf + field, field_end - field);
    }
    field = at + 1;
  }
  // Delimiters `marks` (',' or line break), `breaks` (line breaks) and `quotes` of the block at `p` (bit i: byte
  // p + i). Returns the line break's offset with `stop` set when one ends the record, npos with `stop` when a quote
  // comes first, else 0.
  size_t Block(size_t p, uint32_t marks, uint32_t breaks, uint32_t quotes, bool& stop) {
    const uint32_t before_quote = quotes ? ((uint32_t{1} << __builtin_ctz(quotes)) - 1) : ~uint32_t{0};
    uint32_t m = marks & before_quote;
    const uint32_t nl = breaks & m;
    if (nl) m &= nl ^ (nl - 1);  // the delimiters up to and including the first line break
    while (m) {
      const size_t passed = skip[std::min(index, width)];
      if (passed) {
        const auto here = static_cast<size_t>(__builtin_popcount(m));
        if (passed >= here) {
          index += here;
          break;
        }
        index += passed;
        for (size_t k = 0; k < passed; ++k) m &= m - 1;
      }
      Take(p + static_cast<size_t>(__builtin_ctz(m)));
      ++index;
      m &= m - 1;
    }
    if (nl) {
      stop = true;
      return p + static_cast<size_t>(__builtin_ctz(nl));
    }
    if (quotes) {
      stop = true;
      return std::string_view::npos;
    }
    return 0;
  }
  size_t Tail(size_t p, size_t end) {
    for (; p < end; ++p) {
      const char c = buf[p];
      if (c == '"') return std::string_view::npos;
      if (c == ',' || c == '\n') {
        if (skip[std::min(index, width)] == 0) Take(p);
        ++index;
        if (c == '\n') return p;
      }
    }
    return std::string_view::npos;
  }
};

size_t SplitSelectedPortable(const char* buf, size_t pos, size_t end, SelectedSplitter& split) {
  size_t p = pos;
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(','), newline = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"');
  for (; p + 16 <= end; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + p));
    const __m128i nl = _mm_cmpeq_epi8(v, newline);
    const auto quotes = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)));
    const auto breaks = static_cast<uint32_t>(_mm_movemask_epi8(nl));
    const auto marks = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, comma), nl)));
    bool stop = false;
    const size_t at = split.Block(p, marks, breaks, quotes, stop);
    if (stop) return at;
  }
#endif
  return split.Tail(p, end);
}

#if defined(__x86_64__)
__attribute__((target("avx2,popcnt,bmi"))) size_t SplitSelectedAvx2(const char* buf, size_t pos, size_t end,
                                                                   SelectedSplitter& split) {
  size_t p = pos;
  const __m256i comma = _mm256_set1_epi8(','), newline = _mm256_set1_epi8('\n'), quote = _mm256_set1_epi8('"');
  for (; p + 32 <= end; p += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(buf + p));
    const __m256i nl = _mm256_cmpeq_epi8(v, newline);
    const auto quotes = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote)));
    const auto breaks = static_cast<uint32_t>(_mm256_movemask_epi8(nl));
    const auto marks =
        static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, comma), nl)));
    bool stop = false;
    const size_t at = split.Block(p, marks, breaks, quotes, stop);
    if (stop) return at;
  }
  return split.Tail(p, end);
}
#endif

using SplitFn = size_t (*)(const char*, size_t, size_t, std::vector<std::string_view>&);
SplitFn WidestSplit() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return &SplitUnquotedAvx2;
#endif
  return &SplitUnquotedPortable;
}
SplitFn split_unquoted = WidestSplit();  // set once at start-up (and by tests)

using SelectedFn = size_t (*)(const char*, size_t, size_t, SelectedSplitter&);
SelectedFn WidestSelected() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi"))
    return &SplitSelectedAvx2;
#endif
  return &SplitSelectedPortable;
}
SelectedFn split_selected = WidestSelected();

}  // namespace

void SetSplitPathForTesting(SplitPath path) {
  split_unquoted = path == SplitPath::kPortable ? &SplitUnquotedPortable : WidestSplit();
  split_selected = path == SplitPath::kPortable ? &SplitSelectedPortable : WidestSelected();
}

void CsvReader::SelectColumns(const std::vector<int>& columns) {
  wanted_.clear();
  skip_.clear();
  width_ = 0;
  for (int c : columns)
    if (c >= 0) width_ = std::max(width_, static_cast<size_t>(c) + 1);
  if (width_ == 0) return;
  wanted_.assign(width_, 0);
  for (int c : columns)
    if (c >= 0) wanted_[static_cast<size_t>(c)] = 1;
  // Delimiter i ends field i and starts field i + 1: it matters when either is wanted.
  skip_.assign(width_ + 1, SIZE_MAX);
  for (size_t i = width_; i-- > 0;) {
    const bool matters = wanted_[i] || (i + 1 < width_ && wanted_[i + 1]);
    skip_[i] = matters ? 0 : (skip_[i + 1] == SIZE_MAX ? SIZE_MAX : skip_[i + 1] + 1);
  }
}

Result<bool> CsvReader::Next(CsvRecord& record) {
  for (;;) {
    // Try to parse one whole record from buffer_[begin_, end_).
    const char* buf = buffer_.data();
    size_t pos = begin_;
    const size_t end = end_;
    if (pos >= end && eof_) return false;
    if (pos < end && width_ > 0) {
      // Columns selected: only the wanted fields of a quote-free record are cut out.
      if (record.fields.size() < width_) record.fields.resize(width_);
      SelectedSplitter split{buf, pos, wanted_.data(), skip_.data(), width_, record.fields.data()};
      const size_t line_break = split_selected(buf, pos, end, split);
      if (line_break != std::string_view::npos) {
        record.count = split.index;
        record.line = line_;
        record.blank = split.index == 1 && (line_break == pos || (line_break == pos + 1 && buf[pos] == '\r'));
        clean_end_ = true;
        ++line_;
        begin_ = line_break + 1;
        return true;
      }
    } else if (pos < end) {
      // Most records have no quotes: their fields are views of the buffer, found without the general loop.
      record.fields.clear();
      const size_t line_break = split_unquoted(buf, pos, end, record.fields);
      if (line_break != std::string_view::npos) {
        record.count = record.fields.size();
        record.line = line_;
        record.blank = record.fields.size() == 1 && record.fields[0].empty();
        clean_end_ = true;
        ++line_;
        begin_ = line_break + 1;
        return true;
      }
    }
    spans_.clear();
    in_scratch_.clear();
    scratch_.clear();
    uint64_t embedded_newlines = 0;
    bool complete = false;
    bool ended_by_newline = false;
    bool any_quoted = false;
    while (!complete && pos < end) {
      if (buf[pos] == '"') {
        any_quoted = true;
        size_t field_start = scratch_.size();
        size_t p = pos + 1;
        bool closed = false;
        while (p < end) {
          const void* q = std::memchr(buf + p, '"', end - p);
          size_t qpos = q ? static_cast<size_t>(static_cast<const char*>(q) - buf) : end;
          for (size_t i = p; i < qpos; ++i) embedded_newlines += (buf[i] == '\n');
          scratch_.append(buf + p, qpos - p);
          if (!q) {
            p = end;
            break;
          }
          if (qpos + 1 < end && buf[qpos + 1] == '"') {
            scratch_.push_back('"');
            p = qpos + 2;
            continue;
          }
          if (qpos + 1 >= end && !eof_) {  // cannot tell "" from a closing quote yet
            p = end;
            break;
          }
          p = qpos + 1;
          closed = true;
          break;
        }
        if (!closed) {
          if (!eof_) break;  // need more bytes
          // Unterminated quote at the end of the file: the rest is the field.
          spans_.emplace_back(field_start, scratch_.size() - field_start);
          in_scratch_.push_back(1);
          pos = end;
          complete = true;
          break;
        }
        // Bytes after the closing quote up to the delimiter are kept as data (lenient).
        size_t q = p;
        while (q < end && buf[q] != ',' && buf[q] != '\n') ++q;
        size_t tail_end = q;
        if (q < end && buf[q] == '\n' && tail_end > p && buf[tail_end - 1] == '\r') --tail_end;
        scratch_.append(buf + p, tail_end - p);
        spans_.emplace_back(field_start, scratch_.size() - field_start);
        in_scratch_.push_back(1);
        if (q >= end) {
          if (!eof_) break;
          pos = end;
          complete = true;
          break;
        }
        pos = q;
      } else {
        size_t q = pos;
        while (q < end && buf[q] != ',' && buf[q] != '\n') ++q;
        if (q >= end && !eof_) break;
        size_t field_end = q;
        if (q < end && buf[q] == '\n' && field_end > pos && buf[field_end - 1] == '\r') --field_end;
        spans_.emplace_back(pos, field_end - pos);
        in_scratch_.push_back(0);
        if (q >= end) {
          pos = end;
          complete = true;
          break;
        }
        pos = q;
      }
      // buf[pos] is ',' or '\n'.
      if (buf[pos] == '\n') {
        ++pos;
        complete = true;
        ended_by_newline = true;
        break;
      }
      ++pos;  // ','
      if (pos >= end) {
        if (!eof_) break;
        spans_.emplace_back(pos, 0);  // trailing empty field at the end of the file
        in_scratch_.push_back(0);
        complete = true;
        break;
      }
    }
    if (!complete) {
      auto more = Refill();
      if (!more.ok()) return more.status();
      if (!*more && begin_ >= end_) return false;
      continue;
    }
    record.fields.clear();
    for (size_t i = 0; i < spans_.size(); ++i) {
      const char* base = in_scratch_[i] ? scratch_.data() : buffer_.data();
      record.fields.emplace_back(base + spans_[i].first, spans_[i].second);
    }
    record.count = spans_.size();
    record.line = line_;
    record.blank = !any_quoted && spans_.size() == 1 && spans_[0].second == 0;
    clean_end_ = ended_by_newline;
    line_ += embedded_newlines + (ended_by_newline ? 1 : 0);
    begin_ = pos;
    return true;
  }
}

}  // namespace openpal::usage
