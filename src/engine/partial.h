// Attribution in mergeable parts: a run's exact partial result in a binary file, and the merge of any number of them
// into the report one run over all their inputs would give (format: docs/partial-format.md).
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/roles.h"
#include "core/status.h"
#include "engine/attribution.h"
#include "engine/compiled_index.h"
#include "engine/run.h"

namespace openpal::engine {

inline constexpr uint32_t kPartialFormatVersion = 6;
// Version 3: every part keeps each input's result; versions 3 and 4: results as rows of text (read, then converted).
inline constexpr uint32_t kOldestReadablePartialVersion = 3;

// Which input a part read: its path as given, its size and modification time (nanoseconds; 0 for a blob), the SHA-256
// of an input read from a store (a blob: computed as it streamed, so that saving the run never downloads it again;
// "" for a local file, read again when the run is saved), and which of its bytes:
// one span per byte range read (a whole file is one span, range [0, size)), sorted by offset and disjoint, each with
// where its records began and ended and how many lines they hold (FileSpan, engine/run.h). Parts that read the same
// input are merged when their spans meet exactly; overlapping spans are refused (rows counted twice).
struct InputDigest {
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string sha256;  // lowercase hex, or "" (a local file; parts before version 6)
  std::vector<FileSpan> spans;
  // What the part credited of this input alone (its rows in the saved run of `pal merge --save`, as `pal attribute
  // --save` keeps each file's rows).
  CellTable result;
  // True when the spans cover the whole file as one, its lines numbered from the file's first line.
  bool complete() const {
    return spans.size() == 1 && spans[0].lines_before != kUnknownLines && spans[0].end == size;
  }
};

// A listed rejected row: its input and span (indexes in the part), its line counted from 1 at the span's first record,
// and why. The whole file's line is the span's lines_before plus this line, once the span starts at the header.
struct PartRejection {
  uint32_t input = 0, span = 0;
  uint64_t line = 0;
  std::string why;
  friend bool operator==(const PartRejection&, const PartRejection&) = default;
};

// Everything a run contributes to a report, exactly: the cells (128-bit fixed-point sums), the not-credited groups,
// the reconciliation, and the rejected rows it listed; what it was computed against (the directory's identity,
// the role policy's text and the measure); and what it read.
struct Partial {
  Store::DirectoryVersion directory;
  std::string role_policy;  // the policy as given: "all", "pec", or the file's content
  std::string measure;      // "effective" or "billed"
  std::vector<InputDigest> inputs;
  // True: each input's own result is kept (inputs[i].result, for pal merge --save). False: only their sum (`result`),
  // the inputs' results left empty: a part that a report needs, smaller by about the number of inputs (each input's
  // cells repeat the subscriptions the others meet). A merge keeps them only if every part has them.
  bool per_input = true;
  CellTable result;  // all the inputs together, unnamed (NameCells gives the report's rows)
  std::vector<PartRejection> rejections;  // at most 1000, in input, span and line order
  // The distinct scopes the part's rows were credited at (their keys, sorted): result.distinct_scopes is their count,
  // and a merge's is the count of their union, exactly as one run over all the inputs counts them.
  std::vector<std::string> scope_keys;
  uint64_t rejected_total = 0;            // all rejected rows, listed or not
};

// Credits `options.files` (or `options.range` of its one file) against `index` (whose identity is `directory`) and
// returns the part. The rejected rows go into the part, not to options.rejected_log. `per_input`: keep each input's
// own result (Partial::per_input).
Result<Partial> AttributeToPartial(const DirectoryView& index, const Store::DirectoryVersion& directory,
                                   const RolePolicy& policy, const std::string& policy_text, const std::string& measure,
                                   AttributeOptions options, bool per_input = true);

// A part's bytes (docs/partial-format.md), in memory: a scale-out moves parts between processes without files.
std::string PartialToBytes(const Partial& part);
// The same into memory the caller owns: PartialByteSize(part) bytes at `out` (e.g. a Python bytes object's).
size_t PartialByteSize(const Partial& part);
void PartialToBuffer(const Partial& part, char* out);
// Reads a part's bytes; `name` is used in errors (Corruption, FailedPrecondition for another version).
Result<Partial> PartialFromBytes(std::string_view bytes, const std::string& name);
// The same through a stream or a file; the stream's failure is the caller's to check.
void WritePartial(const Partial& part, std::ostream& out);
Result<Partial> ReadPartial(std::istream& in, const std::string& name);
Result<Partial> ReadPartialFile(const std::string& path);

// Merges parts into one: equal to a single run over all their inputs (sums are exact and the order of parts does
// not change the report). An input read by several parts (byte ranges of one file) is one input: its spans are
// joined where they meet. Refused (FailedPrecondition) when the parts were computed against different directories
// (store ID or version), role policies or measures, when two parts read the same bytes of an input, when one input
// has two sizes, or when a cut between two ranges fell inside a record (a quoted field holding line breaks): the
// error then names the bytes to credit again. Inputs whose ranges leave gaps are kept as they are (merged further).
Result<Partial> MergePartials(std::vector<Partial> parts);

// MergePartials one part at a time (Add each in order, then Finish), so that a merge of many large parts holds the
// merged cells and one part's, not every part's. Add refuses what MergePartials refuses (the merger is then of no
// further use); Finish leaves it empty.
class PartialMerger {
 public:
  PartialMerger();
  ~PartialMerger();
  Status Add(Partial part);
  Result<Partial> Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Ok when every input of the part is whole (its ranges cover it): else FailedPrecondition naming the bytes no part
// read, for a merge that is to be the report.
Status CheckComplete(const Partial& part);

// The rejected-row listing of a run or merge, as `pal attribute` prints it: "rejected: FILE:LINE: why" lines, then a
// count of the others. A line of an input whose ranges do not start at its header is given within its range.
void WriteRejectedLines(const Partial& part, std::ostream& out);

}  // namespace openpal::engine
