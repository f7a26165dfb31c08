// Saved attribution runs: their inputs, report rows, unattributed rows and reconciliation, kept immutably.
// Both stores implement RunStore beside Store; reach it with RunsOf(store). Format: docs/reports.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace openpal {

class Store;

// One usage file of a run. `index` is its position in the run (0-based); rows saved below name it.
struct RunFile {
  int index = 0;
  std::string path;     // absolute, as resolved when the run was made: a file's identity across runs
  std::string sha256;   // lowercase hex of the file's bytes as read
  int64_t rows = 0;     // data rows read (credited + not credited + rejected)
};

// A report row of one file of a run; amounts are exact decimal text (the report's format).
struct SavedReportRow {
  int file_index = 0;
  std::string partner_id, partner_name, customer_tenant_id, subscription_id, month, currency, admin_type;
  int64_t usage_rows = 0;
  std::string total_cost, attributed_cost;
};

// Not-credited cost of one file of a run, per customer tenant, subscription, month, currency and reason.
struct SavedUnattributedRow {
  int file_index = 0;
  std::string customer_tenant_id;  // "" when no tenant held the subscription (or there was none)
  std::string subscription_id, month, currency, reason;
  int64_t usage_rows = 0;
  std::string total_cost;
};

// One file's reconciliation for one currency: read = credited + not credited + rejected.
struct SavedReconciliation {
  int file_index = 0;
  std::string currency;
  int64_t rows_credited = 0, rows_not_credited = 0, rows_rejected = 0;
  std::string read, credited, not_credited, rejected, attributed;
};

// What a run was made from and when; `from`/`to` are the first and last month (YYYY-MM) of its rows, "" if none.
struct RunInfo {
  int64_t run_id = 0;  // assigned by SaveRun, increasing: a higher ID is a newer run
  Timestamp created;
  std::string role_policy;  // "all", "pec", or "file:<path> sha256:<hex>"
  std::string measure;      // "effective" or "billed"
  std::string from, to;
  std::vector<RunFile> files;
};

struct SavedRun {
  RunInfo info;
  std::vector<SavedReportRow> report;
  std::vector<SavedUnattributedRow> unattributed;
  std::vector<SavedReconciliation> reconciliation;
};

// Which rows of which runs to read: one (run, file) pair each.
struct RunFileRef {
  int64_t run_id = 0;
  int file_index = 0;
  friend bool operator==(const RunFileRef&, const RunFileRef&) = default;
};

// A run's rows handed over one at a time while the run is saved, so that they need not all be in memory (`pal
// attribute --save` reads them back from its temporary files). Each Next* fills `row` and returns true, or returns
// false when there are no more of that kind; the store reads all report rows, then all unattributed rows, then the
// reconciliation. An error stops the save, which then leaves nothing behind.
class SavedRowSource {
 public:
  virtual ~SavedRowSource() = default;
  virtual Result<bool> NextReport(SavedReportRow& row) = 0;
  virtual Result<bool> NextUnattributed(SavedUnattributedRow& row) = 0;
  virtual Result<bool> NextReconciliation(SavedReconciliation& row) = 0;
};

// A SavedRun's rows as a SavedRowSource, so that SaveRun and SaveRunFrom share one insert path. Refers to `run`,
// which must outlive it.
class SavedRunRows final : public SavedRowSource {
 public:
  explicit SavedRunRows(const SavedRun& run) : run_(run) {}
  Result<bool> NextReport(SavedReportRow& row) override { return Next(run_.report, report_, row); }
  Result<bool> NextUnattributed(SavedUnattributedRow& row) override {
    return Next(run_.unattributed, unattributed_, row);
  }
  Result<bool> NextReconciliation(SavedReconciliation& row) override {
    return Next(run_.reconciliation, reconciliation_, row);
  }

 private:
  template <typename T>
  static bool Next(const std::vector<T>& from, size_t& at, T& row) {
    if (at == from.size()) return false;
    row = from[at++];
    return true;
  }
  const SavedRun& run_;
  size_t report_ = 0, unattributed_ = 0, reconciliation_ = 0;
};

class RunStore {
 public:
  virtual ~RunStore() = default;
  // Stores a whole run atomically and returns its new ID (info.run_id is ignored). Runs are never changed after.
  virtual Result<int64_t> SaveRun(const SavedRun& run) = 0;
  // The same, with the rows read from `rows` while the run's one write transaction is open. This default gathers
  // them into a SavedRun first (correct, but all in memory); the SQLite store streams them.
  virtual Result<int64_t> SaveRunFrom(const RunInfo& info, SavedRowSource& rows);
  // Every run's inputs, oldest first.
  virtual Result<std::vector<RunInfo>> ListRuns() = 0;
  // The report rows of the given (run, file) pairs, optionally of one partner only.
  virtual Result<std::vector<SavedReportRow>> LoadReportRows(const std::vector<RunFileRef>& files,
                                                             const std::optional<std::string>& partner_id) = 0;
  // The unattributed rows of the given (run, file) pairs.
  virtual Result<std::vector<SavedUnattributedRow>> LoadUnattributedRows(const std::vector<RunFileRef>& files) = 0;
  // The reconciliation rows of the given (run, file) pairs.
  virtual Result<std::vector<SavedReconciliation>> LoadReconciliation(const std::vector<RunFileRef>& files) = 0;
};

// The run store behind `store`, or nullptr when that store keeps no runs.
RunStore* RunsOf(Store& store);

}  // namespace openpal
