// Fuzzes the CSV record splitter (src/ingest/usage/csv_reader.cc). Oracle: the vectorised split path (AVX2/SSE2,
// whichever this CPU has) and the portable one give the same records, lines and end state for any bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "ingest/usage/csv_reader.h"

using namespace openpal::usage;

namespace {

struct Record {
  std::vector<std::string> fields;
  uint64_t line;
  bool blank;
  bool operator==(const Record&) const = default;
};

struct Split {
  std::vector<Record> records;
  bool error = false;
  bool clean = false;
  bool operator==(const Split&) const = default;
};

Split SplitWith(SplitPath which, const std::string& path) {
  SetSplitPathForTesting(which);
  Split out;
  auto source = ByteSource::Open(path);
  if (!source.ok()) {
    out.error = true;
    return out;
  }
  CsvReader reader(std::move(source).value(), path);
  CsvRecord record;
  for (;;) {
    auto got = reader.Next(record);
    if (!got.ok()) {
      out.error = true;
      break;
    }
    if (!*got) break;
    out.records.push_back({std::vector<std::string>(record.fields.begin(), record.fields.end()), record.line,
                           record.blank});
  }
  out.clean = reader.ended_cleanly();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static openpal::fuzz::MemFile file("split.csv");
  const std::string& path = file.Write(data, size);
  Split wide = SplitWith(SplitPath::kWidest, path);
  Split portable = SplitWith(SplitPath::kPortable, path);
  if (!(wide == portable)) openpal::fuzz::Violated("the vectorised and portable CSV splits differ");
  return 0;
}
