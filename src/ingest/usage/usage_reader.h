// Reads one cost/usage export (FOCUS 1.0–1.2 or Azure Cost Management EA/MCA/CSP), row by row, without holding it.
// Contract: docs/spec-attribution.md "Usage input"; decisions: docs/attribution.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "ingest/usage/csv_reader.h"
#include "ingest/usage/export_family.h"
#include "ingest/usage/input_store.h"
#include "ingest/usage/money.h"

namespace openpal::usage {

// Family, Measure and what each family's columns are: export_family.h.
const char* FamilyName(Family f);  // "FOCUS", "Azure Cost Management export"

// One well-formed usage row. Views point into the reader's buffer: valid until the next Read().
struct UsageRow {
  std::string_view resource_id;   // trimmed; "" when empty or NULL
  std::string_view subscription;  // the subscription column, trimmed; "" when empty or NULL
  Timestamp start;                // charge period [start, end)
  Timestamp end;
  Money amount;                   // the measure in use
  std::string_view currency;      // trimmed, non-empty
  uint64_t line = 0;              // physical line where the record starts
};

// A malformed row: where it starts, why, and its cost when the measure and currency still parse.
struct RejectedRow {
  uint64_t line = 0;
  std::string why;
  bool has_cost = false;
  Money amount;
  std::string currency;
};

class UsageReader {
 public:
  enum class Outcome { kRow, kRejected, kEnd };

  // Opens `path` (plain or gzip) and recognises its family from the header; an error names the file and says
  // which columns were expected when the header fits neither family. A name `store` handles (a blob URL) is read
  // from the store instead of the local disk.
  static Result<std::unique_ptr<UsageReader>> Open(const std::string& path, Measure measure,
                                                   InputStore* store = nullptr);
  // Reads only the rows in bytes [begin, end) of a plain file (begin just after a line break), with the columns of the
  // file's header. Lines are counted from 1 at `begin`: the caller adds the lines before it.
  static Result<std::unique_ptr<UsageReader>> OpenRange(const std::string& path, Measure measure, uint64_t begin,
                                                        uint64_t end);
  // The same for this reader's file, with the columns this reader took from its header: the engine opens each part
  // of a file it splits this way, without reading the header (and up to 1 MiB after it) once more per part.
  Result<std::unique_ptr<UsageReader>> OpenPart(uint64_t begin, uint64_t end) const;
  // The records of this reader's plain file that start in bytes [begin, stop), `begin` being a record's start: the
  // last is read to its end, past `stop` if it runs on (a byte range of a file as a part: docs/partial-format.md).
  // Lines are counted from 1 at `begin`; NextRecordOffset() then says where the records taken ended.
  Result<std::unique_ptr<UsageReader>> OpenRecords(uint64_t begin, uint64_t stop) const;
  // The file offset of the next record (where reading stopped, once Read() has returned kEnd).
  uint64_t NextRecordOffset() const { return base_ + csv_.ConsumedOffset(); }
  // Whether the file is gzip (then it cannot be split), the byte just after the header, and where reading stopped.
  bool compressed() const { return compressed_; }
  // Whether the file's lines end with CR alone (old Mac): such a file is not split either.
  bool cr_line_ends() const { return csv_.line_ends() == LineEnds::kCr; }
  uint64_t header_end() const { return header_end_; }
  bool ended_cleanly() const { return csv_.ended_cleanly(); }
  uint64_t next_line() const { return csv_.line(); }

  // Reads the next data row: a well-formed row into `row`, a malformed one into `rejected`, or the end.
  // Blank lines are skipped. I/O and gzip errors stop reading (returned as errors naming the file).
  Result<Outcome> Read(UsageRow& row, RejectedRow& rejected);

  Family family() const { return family_; }
  const std::string& path() const { return path_; }
  uint64_t ConsumedBytes() const { return csv_.ConsumedBytes(); }
  uint64_t FileSize() const { return csv_.FileSize(); }

  // Column indexes (-1 when absent); public for tests.
  struct Columns {
    int resource_id = -1, subscription = -1, start = -1, end = -1, amount = -1, currency = -1;
    size_t count = 0;
  };
  const Columns& columns() const { return cols_; }

 private:
  UsageReader(CsvReader csv, std::string path) : csv_(std::move(csv)), path_(std::move(path)) {}
  // Tells the CSV reader which columns Read() looks at: the others are counted, not cut out.
  void SelectColumnsInUse();

  CsvReader csv_;
  std::string path_;
  bool compressed_ = false;
  uint64_t header_end_ = 0;
  uint64_t base_ = 0;                 // the file offset this reader's bytes start at
  uint64_t stop_ = UINT64_MAX;        // no record starting at or after this offset (from base_) is read
  Family family_ = Family::kFocus;
  Columns cols_;
  std::vector<std::string> header_;
  CsvRecord record_;
};

// Trims spaces, tabs and CR; "" for the literal NULL in any case.
std::string_view CleanValue(std::string_view v);

}  // namespace openpal::usage
