// The crediting of usage rows to partners: report rows, unattributed groups with reasons, and the reconciliation.
// Contract: docs/spec-attribution.md. Rows are streamed in; memory grows with distinct resources, not rows.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/roles.h"
#include "engine/directory_index.h"
#include "engine/paths.h"
#include "engine/profile_cache.h"
#include "ingest/usage/money.h"
#include "ingest/usage/usage_reader.h"

namespace openpal::engine {

using usage::Money;

// One line of the report (attribution.md "The report").
struct ReportRow {
  std::string partner_id, partner_name, customer_tenant_id, subscription_id, month, currency, admin_type;
  uint64_t usage_rows = 0;
  Money total_cost;
  Money attributed_cost;
};

// Not-credited rows grouped per subscription, month, currency and first failing reason.
struct UnattributedRow {
  std::string subscription_id, month, currency, reason;
  uint64_t usage_rows = 0;
  Money total_cost;
};

// Per currency: cost read = credited + not credited + rejected (rejected rows whose cost parsed).
struct CurrencyReconciliation {
  std::string currency;
  uint64_t rows_credited = 0, rows_not_credited = 0, rows_rejected = 0;
  Money read, credited, not_credited, rejected, attributed;
  bool balances() const { return read == credited + not_credited + rejected; }
};

struct AttributionResult {
  std::vector<ReportRow> report;                 // sorted by the report's key columns, plain text order
  std::vector<UnattributedRow> unattributed;     // sorted by subscription, month, currency, reason
  std::vector<CurrencyReconciliation> reconciliation;  // sorted by currency
  uint64_t rows_read = 0;                        // data rows (credited + not credited + rejected)
  uint64_t rows_rejected_without_cost = 0;       // rejected rows whose measure or currency did not parse
  uint64_t distinct_scopes = 0;
};

// A result's groups before they are named and sorted (what attribution parts carry and merge): every text once in
// `names`, each group's key as indexes into it. Finish() turns 600,000 cells into rows of seven strings and sorts
// them; a part that is only to be merged with others skips both, and its bytes and its merge carry no text per cell.
struct CellTable {
  // A report cell: partner, tenant, subscription, month ("YYYY-MM"), currency and admin type are its key; the
  // partner's name follows from its ID.
  struct Cell {
    uint32_t partner, partner_name, tenant, subscription, month, currency, admin;
    uint64_t rows;
    Money total, attributed;
  };
  // A not-credited group: subscription, month, currency and reason code are its key.
  struct Miss {
    uint32_t subscription, month, currency, reason;
    uint64_t rows;
    Money total;
  };
  std::vector<std::string> names;  // distinct texts
  std::vector<Cell> cells;         // distinct keys, in no particular order
  std::vector<Miss> misses;        // distinct keys, in no particular order
  std::vector<CurrencyReconciliation> reconciliation;  // sorted by currency
  uint64_t rows_read = 0, rows_rejected_without_cost = 0, distinct_scopes = 0;
};

// The report, the unattributed groups and the reconciliation of `cells`, sorted as Finish() sorts them.
AttributionResult NameCells(const CellTable& cells);
// `result`'s groups as a table (a part of an older format, read as text).
CellTable CellsOf(const AttributionResult& result);
// One table from several: groups with equal keys summed (exact), distinct_scopes the largest (the caller that knows
// the scopes' union sets it). Linear in the cells; equal to the table of one run over all the parts' rows.
CellTable MergeCells(std::vector<CellTable> parts);

// MergeCells one table at a time, so that a merge of many parts holds the merged table and one part, not all of them.
class CellMerger {
 public:
  CellMerger();
  ~CellMerger();
  // Room for about `cells` merged cells (else sized by the first part).
  void Reserve(size_t cells);
  void Add(CellTable part);
  // The merged table; the merger is empty again.
  CellTable Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Credits usage rows into a report. Thread-safety: one thread uses an Attributor at a time; several threads
// credit in parallel with one Attributor each, sharing a ProfileCache (each with its own slot), and are combined
// with Absorb() once idle. Lifetime: the DirectoryView (and the shared ProfileCache, held by shared_ptr) must
// outlive it.
class Attributor {
 public:
  // An attributor with a profile cache of its own.
  Attributor(const DirectoryView& index, RolePolicy policy);
  // Rows AddRows() keeps resolved before crediting them in profile order (about 48 bytes each).
  static constexpr size_t kStageRows = size_t{1} << 20;
  // One of several attributors (run on different threads) sharing `cache`, each with its own slot in [0, slots),
  // keeping up to `stage_rows` rows of AddRows() before crediting them.
  Attributor(std::shared_ptr<ProfileCache> cache, int slot, size_t stage_rows = kStageRows);
  ~Attributor();

  // Credits one well-formed row, or files it under its first failing reason.
  void AddRow(const usage::UsageRow& row);
  // Credits rows[0..n) exactly as n calls of AddRow would. The rows are resolved to their profiles now and kept
  // (up to the stage's size) to be credited in profile order, so that each profile and its report cells are read
  // from memory once for many rows instead of once per row; Finish() and Absorb() credit what is still kept.
  void AddRows(const usage::UsageRow* rows, size_t n);
  // Credits the rows AddRows() still keeps (on the caller's thread: each crediting thread flushes its own).
  void Flush();
  // Accounts for one malformed row (its cost, when it parsed, in the reconciliation).
  void AddRejected(const usage::RejectedRow& row);
  // Adds everything `other` credited (an attributor sharing this one's profile cache, now idle) into this one, so
  // that one Finish() reports both: cheaper than finishing both and merging the text rows. `other` frees its stage
  // and resource map (it can still take rows: they are resolved again).
  void Absorb(Attributor& other);
  // The report, the unattributed groups and the reconciliation so far (crediting the rows AddRows still keeps). Frees
  // the stage and the resource map first, as Absorb does for `other`.
  AttributionResult Finish();
  // The same, unnamed and unsorted (NameCells(FinishCells()) equals Finish()).
  CellTable FinishCells();

  // The reason a row would not be credited (for tests): nullopt when it is credited.
  std::optional<Reason> Classify(const usage::UsageRow& row);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};


// The first failing reason for a period of a tenant profile with no credit (attribution.md, "Reasons").
Reason ReasonFor(const TenantProfile& profile, Timestamp start, Timestamp end);

}  // namespace openpal::engine
