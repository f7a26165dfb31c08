// Attribution in mergeable parts: a run's exact partial result in a binary file, and the merge of any number of them
// into the report one run over all their inputs would give (format: docs/partial-format.md).
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "core/roles.h"
#include "core/status.h"
#include "engine/attribution.h"
#include "engine/compiled_index.h"
#include "engine/run.h"

namespace openpal::engine {

inline constexpr uint32_t kPartialFormatVersion = 1;

// Which input a part read: its path as given, its size and modification time (nanoseconds). Two parts naming the
// same input are refused by the merge: its rows would be counted twice.
struct InputDigest {
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  friend bool operator==(const InputDigest&, const InputDigest&) = default;
};

// Everything a run contributes to a report, exactly: the cells (128-bit fixed-point sums), the not-credited groups,
// the reconciliation, and the rejected-row lines it listed; what it was computed against (the directory's identity,
// the role policy's text and the measure); and what it read.
struct Partial {
  Store::DirectoryVersion directory;
  std::string role_policy;  // the policy as given: "all", "pec", or the file's content
  std::string measure;      // "effective" or "billed"
  std::vector<InputDigest> inputs;
  AttributionResult result;
  std::vector<std::string> rejected_lines;  // "rejected: FILE:LINE: why", at most 1000, in file order
  uint64_t rejected_total = 0;              // all rejected rows, listed or not
};

// Credits `options.files` against `index` (whose identity is `directory`) and returns the part. The rejected-row
// lines go into the part, not to options.rejected_log.
Result<Partial> AttributeToPartial(const DirectoryView& index, const Store::DirectoryVersion& directory,
                                   const RolePolicy& policy, const std::string& policy_text, const std::string& measure,
                                   AttributeOptions options);

// Writes `part` (docs/partial-format.md); the stream's failure is the caller's to check.
void WritePartial(const Partial& part, std::ostream& out);
// Reads a part written by WritePartial; `name` is used in errors (Corruption, FailedPrecondition for another version).
Result<Partial> ReadPartial(std::istream& in, const std::string& name);
Result<Partial> ReadPartialFile(const std::string& path);

// Merges parts into one: equal to a single run over all their inputs (sums are exact and the order of parts does
// not change the report). Refused (FailedPrecondition) when the parts were computed against different directories
// (store ID or version), role policies or measures, or when two parts read the same input.
Result<Partial> MergePartials(std::vector<Partial> parts);

// The rejected-row listing of a run or merge, as `pal attribute` prints it: the lines, then a count of the others.
void WriteRejectedLines(const Partial& part, std::ostream& out);

}  // namespace openpal::engine
