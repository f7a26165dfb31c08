// Saved runs as reports: building the run to save, choosing runs, grouping rows with exact sums.
#include "engine/report_query.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <tuple>

#include "core/guid.h"
#include "core/leave_for_exit.h"

#include <nlohmann/json.hpp>

namespace openpal::engine {
namespace {

using usage::Money;

Money ParseSaved(const std::string& text) {
  // Saved amounts were written by FormatMoney, so they always parse; a hand-edited database gets 0, not a crash.
  return usage::ParseSavedMoney(text).value_or(Money{});
}

bool IsMonth(const std::string& m) { return MonthStart(m).has_value(); }

// The first instant after month "YYYY-MM" (which must be valid).
Timestamp MonthEnd(const std::string& month) {
  int year = std::stoi(month.substr(0, 4)), mon = std::stoi(month.substr(5, 2));
  int64_t days = mon == 12 ? DaysFromCivil(year + 1, 1, 1) : DaysFromCivil(year, static_cast<unsigned>(mon + 1), 1);
  return Timestamp{days * 86400LL * 1000000LL};
}

void AddTotal(std::map<std::string, CurrencyTotal>& totals, const std::string& currency, int64_t rows, Money total,
              Money attributed) {
  CurrencyTotal& t = totals[currency];
  t.currency = currency;
  t.usage_rows += rows;
  t.total_cost += total;
  t.attributed_cost += attributed;
}

std::vector<CurrencyTotal> Values(const std::map<std::string, CurrencyTotal>& totals) {
  std::vector<CurrencyTotal> out;
  for (const auto& [currency, t] : totals) out.push_back(t);
  return out;
}

bool InMonths(const std::string& month, const ReportQuery& q) {
  if (q.from && month < *q.from) return false;
  if (q.to && month > *q.to) return false;
  return true;
}

}  // namespace

std::optional<Timestamp> MonthStart(const std::string& month) {
  if (month.size() != 7 || month[4] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6})
    if (month[i] < '0' || month[i] > '9') return std::nullopt;
  int year = std::stoi(month.substr(0, 4));
  int mon = std::stoi(month.substr(5, 2));
  if (year < 1 || mon < 1 || mon > 12) return std::nullopt;
  return Timestamp{DaysFromCivil(year, static_cast<unsigned>(mon), 1) * 86400LL * 1000000LL};
}

Result<std::string> Sha256OfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(StatusCode::kIoError, "cannot open the file to checksum it", path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx, buffer.data(), static_cast<size_t>(in.gcount()));
  }
  bool failed = in.bad();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx, digest.data(), &length);
  EVP_MD_CTX_free(ctx);
  if (failed) return Status::Error(StatusCode::kIoError, "read error while computing the checksum", path);
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    hex += two;
  }
  return hex;
}

std::string CustomerTenantOf(const UnattributedRow& r, const DirectoryView& index) {
  if (r.reason == ReasonCode(Reason::kNoScope) || r.reason == ReasonCode(Reason::kUnknownSubscription)) return "";
  auto start = MonthStart(r.month);
  const std::vector<Placement>* placements = start ? index.Placements(AsciiLower(r.subscription_id)) : nullptr;
  if (!placements) return "";
  Timestamp end = MonthEnd(r.month);
  const Placement* first = nullptr;
  for (const Placement& p : *placements) {
    if (p.valid.from <= *start && *start < p.valid.to) return p.tenant;
    if (p.valid.from < end && p.valid.to > *start && (!first || p.valid.from < first->valid.from)) first = &p;
  }
  return first ? first->tenant : "";
}

Result<AttributionResult> AttributeEachFile(const DirectoryView& index, const RolePolicy& policy,
                                            const AttributeOptions& options,
                                            const std::function<Status(const FileResult&)>& each) {
  // One profile cache for all the files: a resource's profile does not depend on the file its rows come from.
  AttributeOptions base = options;
  if (!base.profiles)
    base.profiles = std::make_shared<ProfileCache>(index, policy, std::clamp(options.threads, 1, kMaxThreads));
  // The files' sum: each file's cells are added into `total` (integer keys, a few dozen bytes a cell) and named once
  // at the end, instead of merging the files' report rows as text. One file is its own sum.
  const bool several = options.files.size() > 1;
  auto total = std::make_unique<Attributor>(base.profiles, 0, /*stage_rows=*/1);
  AttributionResult only;
  for (const std::string& file : options.files) {
    AttributeOptions one = base;
    one.files = {file};
    one.absorb_into = several ? total.get() : nullptr;
    // Leaving the crediting state to the process's exit is only for the last run: otherwise every file's state would
    // stay allocated, and memory would grow with the number of files.
    one.skip_cleanup = options.skip_cleanup && &file == &options.files.back();
    // The checksum reads the file once more: on a thread of its own, while the file is credited, it takes the cycles
    // the crediting threads leave (waiting for memory, the single-threaded end) instead of adding its whole time.
    // An input read from a store (a blob) is checksummed as it streams: reading it again would download it twice.
    const bool stored = options.store && options.store->Handles(file);
    auto checksum = std::async(stored ? std::launch::deferred : std::launch::async, [&file, &options, stored] {
      return stored ? options.store->Sha256(file) : Sha256OfFile(file);
    });
    auto result = RunAttribution(index, policy, one);
    auto sha = checksum.get();
    if (!result.ok()) return result.status();
    if (!sha.ok()) return sha.status();
    FileResult done{file, *sha, std::move(result).value()};
    Status s = each(done);
    if (!s.ok()) return s;
    if (!several) only = std::move(done.result);
  }
  if (!several) return only;
  AttributionResult sum = total->Finish();
  if (options.skip_cleanup) LeaveForExit(std::move(total));  // freeing every cell only delays the exit
  return sum;
}

Result<int64_t> SaveAttributionRun(Store& store, RunSpill& spill, const std::string& role_policy_spec,
                                   const std::string& measure) {
  RunStore* runs = RunsOf(store);
  if (!runs) return Status::Error(StatusCode::kFailedPrecondition, "this store keeps no saved runs", store.Describe());
  RunInfo info = spill.info();
  info.created = Timestamp::Now();
  info.measure = measure;
  info.role_policy = role_policy_spec;
  if (info.role_policy != "all" && info.role_policy != "pec") {
    auto sha = Sha256OfFile(role_policy_spec);
    if (!sha.ok()) return sha.status();
    std::error_code ec;
    auto absolute = std::filesystem::absolute(role_policy_spec, ec);
    info.role_policy = "file:" + (ec ? role_policy_spec : absolute.lexically_normal().string()) + " sha256:" + *sha;
  }
  Status s = spill.StartReading();
  if (!s.ok()) return s;
  return runs->SaveRunFrom(info, spill);
}

Result<std::vector<RunFileRef>> SelectRunFiles(const std::vector<RunInfo>& runs, std::optional<int64_t> run_id) {
  std::vector<RunFileRef> out;
  if (run_id) {
    for (const RunInfo& r : runs) {
      if (r.run_id != *run_id) continue;
      for (const RunFile& f : r.files) out.push_back(RunFileRef{r.run_id, f.index});
      return out;
    }
    return Status::Error(StatusCode::kNotFound, "There is no saved run " + std::to_string(*run_id) + ".");
  }
  std::map<std::string, RunFileRef> newest;  // path -> newest (run, file) that read it
  for (const RunInfo& r : runs)
    for (const RunFile& f : r.files) {
      auto it = newest.find(f.path);
      if (it == newest.end() || it->second.run_id < r.run_id) newest[f.path] = RunFileRef{r.run_id, f.index};
    }
  for (const auto& [path, ref] : newest) out.push_back(ref);
  std::sort(out.begin(), out.end(), [](const RunFileRef& a, const RunFileRef& b) {
    return std::tie(a.run_id, a.file_index) < std::tie(b.run_id, b.file_index);
  });
  return out;
}

std::vector<int64_t> RunIdsOf(const std::vector<RunFileRef>& files) {
  std::set<int64_t> ids;
  for (const auto& f : files) ids.insert(f.run_id);
  return {ids.begin(), ids.end()};
}

const char* GroupByName(GroupBy g) {
  switch (g) {
    case GroupBy::kPartner: return "partner";
    case GroupBy::kCustomer: return "customer";
    case GroupBy::kSubscription: return "subscription";
    case GroupBy::kMonth: return "month";
    case GroupBy::kAdminType: return "adminType";
  }
  return "?";
}

Result<std::vector<GroupBy>> ParseGroupBy(const std::vector<std::string>& items) {
  std::vector<GroupBy> out;
  for (const std::string& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      size_t comma = item.find(',', start);
      std::string name = item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? item.size() + 1 : comma + 1;
      if (name.empty()) continue;
      std::optional<GroupBy> g;
      for (GroupBy c : {GroupBy::kPartner, GroupBy::kCustomer, GroupBy::kSubscription, GroupBy::kMonth,
                        GroupBy::kAdminType})
        if (EqualsIgnoreCase(name, GroupByName(c))) g = c;
      if (!g)
        return Status::Error(StatusCode::kInvalidArgument, "'" + name +
                                                          "' is not a grouping; use partner, customer, subscription, "
                                                          "month or adminType.");
      if (std::find(out.begin(), out.end(), *g) != out.end())
        return Status::Error(StatusCode::kInvalidArgument, "'" + name + "' is given twice in 'by'.");
      out.push_back(*g);
    }
  }
  return out;
}

Status ValidateQuery(const ReportQuery& q) {
  for (const auto* m : {&q.from, &q.to})
    if (*m && !IsMonth(**m))
      return Status::Error(StatusCode::kInvalidArgument, "'" + **m + "' is not a month; use YYYY-MM.");
  if (q.from && q.to && *q.from > *q.to)
    return Status::Error(StatusCode::kInvalidArgument, "'from' (" + *q.from + ") is after 'to' (" + *q.to + ").");
  if (q.customer && !IsGuid(*q.customer))
    return Status::Error(StatusCode::kInvalidArgument, "'" + *q.customer + "' is not a tenant ID (a GUID).");
  return Status::Ok();
}

InfluenceReport GroupInfluence(const std::vector<SavedReportRow>& rows, const ReportQuery& q,
                               const std::map<std::string, std::string>& tenant_names) {
  InfluenceReport report;
  report.by = q.by;
  auto has = [&](GroupBy g) { return std::find(q.by.begin(), q.by.end(), g) != q.by.end(); };
  const std::optional<std::string> customer = q.customer ? std::optional(AsciiLower(*q.customer)) : std::nullopt;
  using Key = std::vector<std::string>;  // the group columns in `by` order, then the currency
  std::map<Key, InfluenceRow> groups;
  std::map<std::string, CurrencyTotal> totals;
  for (const SavedReportRow& r : rows) {
    if (q.partner && r.partner_id != *q.partner) continue;
    if (customer && AsciiLower(r.customer_tenant_id) != *customer) continue;
    if (!InMonths(r.month, q)) continue;
    Key key;
    InfluenceRow row;
    for (GroupBy g : q.by) {
      switch (g) {
        case GroupBy::kPartner: key.push_back(row.partner_id = r.partner_id); break;
        case GroupBy::kCustomer: key.push_back(row.customer_tenant_id = r.customer_tenant_id); break;
        case GroupBy::kSubscription: key.push_back(row.subscription_id = r.subscription_id); break;
        case GroupBy::kMonth: key.push_back(row.month = r.month); break;
        case GroupBy::kAdminType: key.push_back(row.admin_type = r.admin_type); break;
      }
    }
    key.push_back(r.currency);
    Money total = ParseSaved(r.total_cost), attributed = ParseSaved(r.attributed_cost);
    auto [it, added] = groups.try_emplace(key, std::move(row));
    InfluenceRow& g = it->second;
    if (added) {
      g.currency = r.currency;
      if (has(GroupBy::kCustomer)) {
        auto name = tenant_names.find(AsciiLower(r.customer_tenant_id));
        if (name != tenant_names.end()) g.customer_name = name->second;
      }
    }
    if (has(GroupBy::kPartner)) g.partner_name = r.partner_name;  // rows come oldest run first: newest name wins
    g.usage_rows += r.usage_rows;
    g.total_cost += total;
    g.attributed_cost += attributed;
    AddTotal(totals, r.currency, r.usage_rows, total, attributed);
  }
  for (auto& [key, row] : groups) report.rows.push_back(std::move(row));
  report.totals = Values(totals);
  return report;
}

UnattributedReport GroupUnattributed(const std::vector<SavedUnattributedRow>& rows, const ReportQuery& q,
                                     const std::set<std::string>& customers) {
  UnattributedReport report;
  const std::optional<std::string> customer = q.customer ? std::optional(AsciiLower(*q.customer)) : std::nullopt;
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string>, UnattributedGroup> groups;
  std::map<std::string, CurrencyTotal> totals;
  for (const SavedUnattributedRow& r : rows) {
    std::string tenant = AsciiLower(r.customer_tenant_id);
    if (tenant.empty() || !customers.count(tenant)) continue;
    if (customer && tenant != *customer) continue;
    if (!InMonths(r.month, q)) continue;
    auto key = std::make_tuple(r.customer_tenant_id, r.subscription_id, r.month, r.currency, r.reason);
    UnattributedGroup& g = groups[key];
    g.customer_tenant_id = r.customer_tenant_id;
    g.subscription_id = r.subscription_id;
    g.month = r.month;
    g.currency = r.currency;
    g.reason = r.reason;
    g.usage_rows += r.usage_rows;
    Money total = ParseSaved(r.total_cost);
    g.total_cost += total;
    AddTotal(totals, r.currency, r.usage_rows, total, Money{});
  }
  for (auto& [key, g] : groups) report.rows.push_back(std::move(g));
  report.totals = Values(totals);
  return report;
}

Result<std::map<std::string, std::string>> TenantNames(Store& store) {
  auto facts = store.LoadFacts(FactKind::kTenant, Interval{Timestamp::Min(), Timestamp::Max()});
  if (!facts.ok()) return facts.status();
  std::map<std::string, std::pair<Timestamp, std::string>> newest;
  for (const AnyFact& f : *facts) {
    const auto& t = std::get<Tenant>(f.value);
    auto& slot = newest[AsciiLower(t.tenant_id)];
    if (slot.second.empty() || f.valid.from >= slot.first) slot = {f.valid.from, t.display_name};
  }
  std::map<std::string, std::string> names;
  for (auto& [id, v] : newest) names[id] = v.second;
  return names;
}

namespace {

Result<RunStore*> RunStoreOf(Store& store) {
  RunStore* runs = RunsOf(store);
  if (!runs) return Status::Error(StatusCode::kFailedPrecondition, "this store keeps no saved runs", store.Describe());
  return runs;
}

}  // namespace

Result<InfluenceReport> QueryInfluence(Store& store, const ReportQuery& q) {
  Status valid = ValidateQuery(q);
  if (!valid.ok()) return valid;
  auto runs = RunStoreOf(store);
  if (!runs.ok()) return runs.status();
  auto list = (*runs)->ListRuns();
  if (!list.ok()) return list.status();
  auto files = SelectRunFiles(*list, q.run);
  if (!files.ok()) return files.status();
  auto rows = (*runs)->LoadReportRows(*files, q.partner);
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string> names;
  if (std::find(q.by.begin(), q.by.end(), GroupBy::kCustomer) != q.by.end()) {
    auto loaded = TenantNames(store);
    if (!loaded.ok()) return loaded.status();
    names = std::move(loaded).value();
  }
  InfluenceReport report = GroupInfluence(*rows, q, names);
  report.runs = RunIdsOf(*files);
  return report;
}

Result<UnattributedReport> QueryUnattributed(Store& store, const ReportQuery& q) {
  Status valid = ValidateQuery(q);
  if (!valid.ok()) return valid;
  if (!q.partner) return Status::Error(StatusCode::kInvalidArgument, "The 'partner' query parameter is required.");
  auto runs = RunStoreOf(store);
  if (!runs.ok()) return runs.status();
  auto list = (*runs)->ListRuns();
  if (!list.ok()) return list.status();
  auto files = SelectRunFiles(*list, q.run);
  if (!files.ok()) return files.status();
  // The partner's customers: link holders' tenants while a link to it was active in the months asked...
  Interval window{Timestamp::Min(), Timestamp::Max()};
  if (q.from) window.from = *MonthStart(*q.from);
  if (q.to) window.to = MonthEnd(*q.to);
  auto links = store.LoadFacts(FactKind::kPartnerLink, window);
  if (!links.ok()) return links.status();
  std::set<std::string> customers;
  for (const AnyFact& f : *links) {
    const auto& link = std::get<PartnerLink>(f.value);
    if (link.partner_id == *q.partner) customers.insert(AsciiLower(link.tenant_id));
  }
  // ... and the tenants it was credited in by the runs read (Lighthouse customers have no link of their own).
  auto credited = (*runs)->LoadReportRows(*files, q.partner);
  if (!credited.ok()) return credited.status();
  for (const SavedReportRow& r : *credited)
    if (InMonths(r.month, q)) customers.insert(AsciiLower(r.customer_tenant_id));
  auto rows = (*runs)->LoadUnattributedRows(*files);
  if (!rows.ok()) return rows.status();
  UnattributedReport report = GroupUnattributed(*rows, q, customers);
  report.runs = RunIdsOf(*files);
  return report;
}

namespace {

nlohmann::ordered_json TotalsJson(const std::vector<CurrencyTotal>& totals, bool with_attributed) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const CurrencyTotal& t : totals) {
    nlohmann::ordered_json o = {{"currency", t.currency}, {"usageRows", t.usage_rows},
                        {"totalCost", usage::FormatMoney(t.total_cost)}};
    if (with_attributed) o["attributedCost"] = usage::FormatMoney(t.attributed_cost);
    list.push_back(std::move(o));
  }
  return list;
}

std::string Dump(const nlohmann::ordered_json& doc) {
  // Names come from imported files: replace invalid UTF-8 rather than throw.
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string InfluenceJson(const InfluenceReport& report, const std::optional<std::string>& partner) {
  nlohmann::ordered_json doc;
  doc["partnerId"] = partner ? nlohmann::ordered_json(*partner) : nlohmann::ordered_json(nullptr);
  doc["runs"] = report.runs;
  doc["groupBy"] = nlohmann::ordered_json::array();
  for (GroupBy g : report.by) doc["groupBy"].push_back(GroupByName(g));
  auto has = [&](GroupBy g) { return std::find(report.by.begin(), report.by.end(), g) != report.by.end(); };
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const InfluenceRow& r : report.rows) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    if (has(GroupBy::kPartner)) {
      o["partnerId"] = r.partner_id;
      o["partnerName"] = r.partner_name;
    }
    if (has(GroupBy::kCustomer)) {
      o["customerTenantId"] = r.customer_tenant_id;
      o["customerName"] = r.customer_name;
    }
    if (has(GroupBy::kSubscription)) o["subscriptionId"] = r.subscription_id;
    if (has(GroupBy::kMonth)) o["month"] = r.month;
    if (has(GroupBy::kAdminType)) o["adminType"] = r.admin_type;
    o["currency"] = r.currency;
    o["usageRows"] = r.usage_rows;
    o["totalCost"] = usage::FormatMoney(r.total_cost);
    o["attributedCost"] = usage::FormatMoney(r.attributed_cost);
    rows.push_back(std::move(o));
  }
  doc["rows"] = std::move(rows);
  doc["totals"] = TotalsJson(report.totals, true);
  return Dump(doc);
}

std::string UnattributedJson(const UnattributedReport& report, const std::string& partner) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const UnattributedGroup& r : report.rows)
    rows.push_back({{"customerTenantId", r.customer_tenant_id}, {"subscriptionId", r.subscription_id},
                    {"month", r.month}, {"currency", r.currency}, {"reason", r.reason},
                    {"usageRows", r.usage_rows}, {"totalCost", usage::FormatMoney(r.total_cost)}});
  nlohmann::ordered_json doc = {{"partnerId", partner}, {"runs", report.runs}, {"rows", std::move(rows)},
                        {"totals", TotalsJson(report.totals, false)}};
  return Dump(doc);
}

std::string RunsJson(const std::vector<RunInfo>& runs) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const RunInfo& r : runs) {
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const RunFile& f : r.files) files.push_back({{"path", f.path}, {"sha256", f.sha256}, {"rows", f.rows}});
    list.push_back({{"runId", r.run_id}, {"createdTime", FormatIsoTime(r.created)}, {"files", std::move(files)},
                    {"rolePolicy", r.role_policy}, {"measure", r.measure}, {"from", r.from}, {"to", r.to}});
  }
  return Dump(nlohmann::ordered_json{{"runs", std::move(list)}});
}

}  // namespace openpal::engine
