// `pal attribute --save`'s rows on disk until the run is saved, so memory does not grow with the number of files.
// Each usage file's saved rows are written to temporary files as soon as that file is credited (and the file's
// result is then freed); the store's one save transaction reads them back one at a time (docs/reports.md).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "engine/attribution.h"
#include "engine/directory_index.h"
#include "store/runs.h"

namespace openpal::engine {

// One usage file's own result, ready to be saved.
struct FileResult {
  std::string path;    // as given; made absolute when it is added to a run
  std::string sha256;  // lowercase hex
  AttributionResult result;
};

class RunSpill final : public SavedRowSource {
 public:
  // Three temporary files in `dir` (default: $TMPDIR, else /tmp), unlinked as soon as they are open: nothing is left
  // behind, even when the process is killed. An error names the directory.
  static Result<std::unique_ptr<RunSpill>> Create(const std::string& dir = "");
  ~RunSpill() override;
  RunSpill(const RunSpill&) = delete;
  RunSpill& operator=(const RunSpill&) = delete;

  // Writes the saved rows of `file` as the run's next file (index = the files added before it): its report rows and
  // reconciliation as computed, its unattributed groups with their customer tenant (CustomerTenantOf in
  // report_query.h); records its absolute path, checksum and rows read, and widens from/to to its months. Fails
  // when the disk does.
  Status Add(const FileResult& file, const DirectoryView& index);

  // The run's files, from and to so far; role policy, measure and creation time are the caller's to fill.
  const RunInfo& info() const { return info_; }
  uint64_t report_rows() const { return report_rows_; }

  // Ends writing and rewinds every file to its first row; the Next* calls read the rows in the order they were added.
  Status StartReading();
  Result<bool> NextReport(SavedReportRow& row) override;
  Result<bool> NextUnattributed(SavedUnattributedRow& row) override;
  Result<bool> NextReconciliation(SavedReconciliation& row) override;

 private:
  RunSpill() = default;
  struct File {
    std::FILE* f = nullptr;
    std::unique_ptr<char[]> buffer;
  };
  Status Failed(const char* doing) const;

  std::string dir_;
  File report_, unattributed_, reconciliation_;
  RunInfo info_;
  uint64_t report_rows_ = 0;
  bool reading_ = false;
};

}  // namespace openpal::engine
