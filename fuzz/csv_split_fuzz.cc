// Fuzzes the CSV record splitter (src/ingest/usage/csv_reader.cc). Oracle: the vectorised split path (AVX2/SSE2,
// whichever this CPU has) and the portable one give the same records, lines and end state for any bytes.
#include <cstdint>
#include <string>
#include <algorithm>
#include <memory>

#include "fuzz_util.h"
#include "ingest/usage/csv_reader.h"

using namespace openpal::usage;

namespace {

// One reader per split path over the same file. The path is a process-wide switch read on every Next(), so the
// two readers advance in lockstep, each with its own path set just before its call, and each record is compared as
// it comes (field views, no copies: copying every field into strings was most of this target's time).
struct Side {
  SplitPath which;
  std::unique_ptr<CsvReader> reader;
  CsvRecord record;
  bool error = false;
  bool more = false;

  Side(SplitPath path, const std::string& file) : which(path) {
    auto source = ByteSource::Open(file);
    if (!source.ok()) {
      error = true;
      return;
    }
    reader = std::make_unique<CsvReader>(std::move(source).value(), file);
  }
  // Reads the next record; false at the end or on an error.
  bool Next() {
    if (error) return false;
    SetSplitPathForTesting(which);
    auto got = reader->Next(record);
    if (!got.ok()) error = true;
    more = got.ok() && *got;
    return more;
  }
};

bool SameRecord(const CsvRecord& a, const CsvRecord& b) {
  return a.line == b.line && a.blank == b.blank && a.fields.size() == b.fields.size() &&
         std::equal(a.fields.begin(), a.fields.end(), b.fields.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static openpal::fuzz::MemFile file("split.csv");
  const std::string& path = file.Write(data, size);
  Side wide(SplitPath::kWidest, path), portable(SplitPath::kPortable, path);
  for (;;) {
    bool a = wide.Next(), b = portable.Next();
    if (a != b || wide.error != portable.error) openpal::fuzz::Violated("the vectorised and portable CSV splits differ");
    if (!a) break;
    if (!SameRecord(wide.record, portable.record))
      openpal::fuzz::Violated("the vectorised and portable CSV splits differ");
  }
  if (wide.reader && portable.reader && wide.reader->ended_cleanly() != portable.reader->ended_cleanly())
    openpal::fuzz::Violated("the vectorised and portable CSV splits differ");
  return 0;
}
