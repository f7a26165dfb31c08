// One `pal attribute` run over many usage files: streaming, rejected-row log, TTY progress.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/roles.h"
#include "engine/attribution.h"

namespace openpal::engine {

// Wall seconds of a run's phases (`pal attribute --timings`): reading and crediting the rows, adding the threads'
// cells together, sorting and naming the report.
struct PhaseTimes {
  double credit = 0, combine = 0, finish = 0;
};

// Bytes [begin, end) of a file.
struct ByteRange {
  uint64_t begin = 0, end = 0;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// What a run read of one file: the records that start in [first, end) (record boundaries; `end` is past the last
// record read), the physical lines in those bytes, and the lines before `first` when known (the header's, when the
// records were read from the header on), else kUnknownLines. `range` is the byte range asked for ([0, size) whole).
inline constexpr uint64_t kUnknownLines = UINT64_MAX;
struct FileSpan {
  ByteRange range;
  uint64_t first = 0, end = 0, lines = 0, lines_before = kUnknownLines;
  friend bool operator==(const FileSpan&, const FileSpan&) = default;
};

// A rejected row as data: its file (index in AttributeOptions::files) and its line counted from 1 at its file's
// span's `first`.
struct ListedRejection {
  size_t file = 0;
  uint64_t line = 0;
  std::string why;
};

// A run's listing as data (AttributeToPartial): each file's span, the rejected rows listed (at most
// max_rejected_lines, in file order) and the count of all rejected rows.
struct RunListing {
  std::vector<FileSpan> spans;
  std::vector<ListedRejection> rejections;
  uint64_t rejected_total = 0;
};

struct AttributeOptions {
  std::vector<std::string> files;
  usage::Measure measure = usage::Measure::kEffective;
  bool progress = false;              // redraw a progress line on stderr (set when stderr is a TTY)
  std::ostream* rejected_log = nullptr;  // "file:line: why" per rejected row
  size_t max_rejected_lines = 1000;   // beyond this, rejected rows are counted, not listed
  bool skip_cleanup = false;          // leave the crediting state for process exit to reclaim (saves seconds)
  int threads = 2;                    // plain files above split_bytes are read as this many parts at once
  uint64_t split_bytes = 64ull << 20;
  PhaseTimes* times = nullptr;        // filled when set
  // Profiles to reuse (built over the same index and policy, with a slot per thread): AttributeEachFile credits each
  // file in its own run and builds the profiles once for all of them. A new cache per run when unset.
  std::shared_ptr<ProfileCache> profiles;
  // When set, everything the run credits is also added into this attributor, which must share `profiles`:
  // AttributeEachFile sums its files this way (integer cells) instead of keeping each file's report rows.
  Attributor* absorb_into = nullptr;
  // Inputs this store handles (blob URLs) are read from it, streamed, whole (never split into parts); others are
  // local files. Not owned.
  usage::InputStore* store = nullptr;
  // With exactly one local file: credit only the records that start in these bytes of it (the first record at or
  // after `begin`, or the first after the header; every record that starts before `end`). Ranges that cover a file
  // credit each of its records once (docs/partial-format.md "Byte ranges of one file"). Not for gzip or CR-only files
  // unless the range is the whole file.
  std::optional<ByteRange> range;
  // Filled when set (spans and rejected rows as data); the rejected rows then go here, not to rejected_log.
  RunListing* listing = nullptr;
  // When set, the run's groups go here unnamed and unsorted (Attributor::FinishCells: for a part, which is merged
  // before it is named), and the result returned holds only its counts.
  CellTable* cells = nullptr;
};

// Threads beyond this are not used (each adds its own report cells and a slot to every profile's cell cache).
inline constexpr int kMaxThreads = 16;

// Reads every file in order and credits its rows. A file that cannot be opened or whose header fits no family stops
// the run with an error naming it; malformed rows never do.
Result<AttributionResult> RunAttribution(const DirectoryView& index, const RolePolicy& policy,
                                         const AttributeOptions& options);

// The offset of the first line start at or after `from` in `path` (the file's size when there is none): where a byte
// range beginning at `from` begins reading.
Result<uint64_t> LineStartAtOrAfter(const std::string& path, uint64_t from);

// Cuts `path` into at most `n` byte ranges of about equal size on line starts, covering it ([0, c1), [c1, c2), ...
// [c, size)), for crediting in parts. A gzip or CR-only file, or one too small to cut, is one range [0, size).
// A cut that falls inside a quoted field holding line breaks is found by the merge (docs/partial-format.md).
Result<std::vector<ByteRange>> CutIntoRanges(const std::string& path, int n);

}  // namespace openpal::engine
