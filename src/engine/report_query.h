// Saved runs as reports: what `--save` stores, which runs a report reads, and grouping saved rows (exact sums).
// Used by `pal report` and the /openpal/v1 report routes alike; decisions in docs/reports.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/attribution.h"
#include "engine/directory_index.h"
#include "engine/run.h"
#include "engine/run_spill.h"
#include "store/runs.h"
#include "store/store.h"

namespace openpal::engine {

// The lowercase hex SHA-256 of a file's bytes, or an error naming the file.
Result<std::string> Sha256OfFile(const std::string& path);

// Credits each file of `options.files` on its own (same rows and sums as one pass: crediting is per row), so a saved
// run knows each file's rows and a later run of one file can replace just that file. `each` is given every file's
// result (with its checksum) as soon as that file is credited; the result is freed when `each` returns, so memory
// does not grow with the number of files. Returns the sum of all the files (what RunAttribution over them all gives),
// built from integer cells added file by file. Stops at the first failing file or the first error of `each`.
Result<AttributionResult> AttributeEachFile(const DirectoryView& index, const RolePolicy& policy,
                                            const AttributeOptions& options,
                                            const std::function<Status(const FileResult&)>& each);

// The customer tenant an unattributed group (`row`) is filed under: the tenant holding the
// subscription at the month's start, else the first to hold it during the month; "" for NO_SCOPE and
// UNKNOWN_SUBSCRIPTION, and when no tenant held it.
std::string CustomerTenantOf(const UnattributedRow& row, const DirectoryView& index);

// Saves the run whose rows `spill` holds (every file added) in `store`, in one transaction, and returns its ID.
// `role_policy_spec` is the --role-policy value ("all", "pec" or a file, recorded as "file:<absolute path>
// sha256:<hex>"); `measure` is "effective" or "billed".
Result<int64_t> SaveAttributionRun(Store& store, RunSpill& spill, const std::string& role_policy_spec,
                                   const std::string& measure);

// The (run, file) pairs a report reads. With `run_id`: every file of that run (NotFound when there is no such
// run). Without: for each file path, the newest run that read it, so a re-run of a file replaces its earlier run and
// no file is counted twice.
Result<std::vector<RunFileRef>> SelectRunFiles(const std::vector<RunInfo>& runs, std::optional<int64_t> run_id);

// The distinct run IDs of `files`, ascending.
std::vector<int64_t> RunIdsOf(const std::vector<RunFileRef>& files);

enum class GroupBy { kPartner, kCustomer, kSubscription, kMonth, kAdminType };

// "partner", "customer", "subscription", "month", "adminType" (each item may itself be comma-separated);
// InvalidQueryParameter for anything else or a repeat.
Result<std::vector<GroupBy>> ParseGroupBy(const std::vector<std::string>& items);
// The name of a dimension as ParseGroupBy reads it.
const char* GroupByName(GroupBy g);

// What to read and how to group it. Months are YYYY-MM, inclusive.
struct ReportQuery {
  std::optional<std::string> partner, customer, from, to;
  std::optional<int64_t> run;
  std::vector<GroupBy> by;
};

// InvalidQueryParameter unless `from`/`to` are YYYY-MM with from <= to, and `customer` (when given) is a GUID.
Status ValidateQuery(const ReportQuery& q);

struct InfluenceRow {
  std::string partner_id, partner_name, customer_tenant_id, customer_name, subscription_id, month, admin_type;
  std::string currency;
  int64_t usage_rows = 0;
  usage::Money total_cost, attributed_cost;
};

struct CurrencyTotal {
  std::string currency;
  int64_t usage_rows = 0;
  usage::Money total_cost, attributed_cost;
};

struct InfluenceReport {
  std::vector<int64_t> runs;  // the runs read
  std::vector<GroupBy> by;
  std::vector<InfluenceRow> rows;     // sorted by the group columns in `by` order, then currency (plain text)
  std::vector<CurrencyTotal> totals;  // one per currency, sorted
};

// Groups saved report rows as `q` asks (filters: partner, customer, months). Columns not grouped by are "".
// `tenant_names` gives customerName; partnerName is the name saved by the newest run read.
InfluenceReport GroupInfluence(const std::vector<SavedReportRow>& rows, const ReportQuery& q,
                               const std::map<std::string, std::string>& tenant_names);

struct UnattributedGroup {
  std::string customer_tenant_id, subscription_id, month, currency, reason;
  int64_t usage_rows = 0;
  usage::Money total_cost;
};

struct UnattributedReport {
  std::vector<int64_t> runs;
  std::vector<UnattributedGroup> rows;  // sorted by customer, subscription, month, currency, reason
  std::vector<CurrencyTotal> totals;    // attributed_cost stays 0
};

// Groups saved unattributed rows of the tenants in `customers` (filters: customer, months).
UnattributedReport GroupUnattributed(const std::vector<SavedUnattributedRow>& rows, const ReportQuery& q,
                                     const std::set<std::string>& customers);

// Reads and groups the influence report from `store`'s saved runs (FailedPrecondition when it keeps none).
Result<InfluenceReport> QueryInfluence(Store& store, const ReportQuery& q);

// The partner's customers: tenants where a link to it was active during the query's months (all time without
// months), plus tenants it was credited in by the runs read. Then their not-credited cost. Needs q.partner.
Result<UnattributedReport> QueryUnattributed(Store& store, const ReportQuery& q);

// The JSON documents of docs/openpal-api.md (amounts as exact decimal strings), shared by the API and `pal report`.
// Influence: {partnerId, runs, groupBy, rows, totals}; partnerId is null when the query names no partner.
std::string InfluenceJson(const InfluenceReport& report, const std::optional<std::string>& partner);
// Unattributed: {partnerId, runs, rows, totals}.
std::string UnattributedJson(const UnattributedReport& report, const std::string& partner);
// Runs: {runs:[{runId, createdTime, files:[{path, sha256, rows}], rolePolicy, measure, from, to}]}.
std::string RunsJson(const std::vector<RunInfo>& runs);

// Display name of every tenant (newest fact), by lowercase tenant ID.
Result<std::map<std::string, std::string>> TenantNames(Store& store);

// The first instant of month "YYYY-MM" (UTC), or nullopt when it is not such a month.
std::optional<Timestamp> MonthStart(const std::string& month);

}  // namespace openpal::engine
