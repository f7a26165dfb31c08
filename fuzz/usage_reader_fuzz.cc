// Fuzzes the usage reader (src/ingest/usage/): family detection from the header, then every row, as `pal attribute`
// reads a cost export. Oracle besides the sanitizers: reading the rows after the header as a byte range (OpenPart, the
// split reading of large plain files) gives the same rows, rejects and total as reading the whole file.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "ingest/usage/usage_reader.h"

using openpal::usage::Measure;
using openpal::usage::Money;
using openpal::usage::RejectedRow;
using openpal::usage::UsageReader;
using openpal::usage::UsageRow;

namespace {

struct Tally {
  uint64_t rows = 0, rejected = 0;
  Money total;
  bool ok = true;
};

Tally ReadAll(UsageReader& reader) {
  Tally t;
  UsageRow row;
  RejectedRow rejected;
  for (;;) {
    auto got = reader.Read(row, rejected);
    if (!got.ok()) {
      t.ok = false;
      return t;
    }
    if (*got == UsageReader::Outcome::kEnd) return t;
    if (*got == UsageReader::Outcome::kRow) {
      ++t.rows;
      t.total += row.amount;
      if (row.end < row.start) openpal::fuzz::Violated("a row ends before it starts");
      if (row.currency.empty()) openpal::fuzz::Violated("a row without currency");
    } else {
      ++t.rejected;
      if (rejected.why.empty()) openpal::fuzz::Violated("a rejected row without a reason");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static openpal::fuzz::MemFile file("usage.csv");
  const std::string& path = file.Write(data, size);
  // The measure is the one choice the reader's caller makes; the last byte picks it (both read every column).
  Measure measure = size > 0 && (data[size - 1] & 1) ? Measure::kBilled : Measure::kEffective;
  auto whole = UsageReader::Open(path, measure);
  if (!whole.ok()) return 0;
  Tally all = ReadAll(**whole);
  // Byte ranges are only ever read where the engine splits a file (src/engine/run.cc): plain files with LF or CRLF line
  // ends. A CR-only file is read whole by one thread, so the range equality is not its contract.
  if (!all.ok || (*whole)->compressed() || (*whole)->cr_line_ends()) return 0;
  auto range = (*whole)->OpenPart((*whole)->header_end(), size);
  if (!range.ok()) openpal::fuzz::Violated("OpenPart refused a file Open read");
  Tally part = ReadAll(**range);
  if (!part.ok) openpal::fuzz::Violated("the range read failed where the whole read did not");
  if (part.rows != all.rows || part.rejected != all.rejected || !(part.total == all.total))
    openpal::fuzz::Violated("reading the rows as a range differs from reading the whole file");
  return 0;
}
