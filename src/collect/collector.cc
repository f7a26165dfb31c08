// The collection run: tenants one after another, kinds written into a draft folder, then one rename
// (see collector.h).
#include "collect/collector.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "collect/tenant_context.h"
#include "core/guid.h"

namespace openpal::collect {

KindOutcome& WriteKind(TenantContext& ctx, const std::string& kind,
                       const std::function<Status(JsonArrayWriter& out, std::string& note)>& fill) {
  KindOutcome outcome{ctx.tenant, kind, false, 0, Status::Ok(), {}};
  auto path = ctx.draft.PathOf(ctx.FilePath(kind));
  if (!path.ok()) {
    outcome.status = path.status();
  } else if (auto writer = JsonArrayWriter::Create(*path); !writer.ok()) {
    outcome.status = writer.status();
  } else {
    Status s = fill(**writer, outcome.note);
    outcome.count = (*writer)->count();
    if (s.ok()) s = (*writer)->Close();
    if (!s.ok()) {
      (*writer)->Abandon();
      outcome.status = s;
      outcome.count = 0;
    } else {
      outcome.written = true;
    }
  }
  ctx.Progress(kind, outcome.count);
  ctx.outcomes.push_back(std::move(outcome));
  return ctx.outcomes.back();
}

KindOutcome& SkipKind(TenantContext& ctx, const std::string& kind, Status why, std::string note) {
  ctx.outcomes.push_back({ctx.tenant, kind, false, 0, std::move(why), std::move(note)});
  return ctx.outcomes.back();
}

Status ParallelFor(size_t n, int workers, const std::function<Status(size_t)>& fn) {
  if (n == 0) return Status::Ok();
  size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, workers)));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  size_t first_error_index = n;
  Status first_error;
  auto work = [&] {
    for (size_t i; !failed.load() && (i = next.fetch_add(1)) < n;) {
      Status s = fn(i);
      if (!s.ok()) {
        std::lock_guard lock(mutex);
        if (i < first_error_index) {
          first_error_index = i;
          first_error = s;
        }
        failed = true;
      }
    }
  };
  if (threads == 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  return failed ? first_error : Status::Ok();
}

std::string Text(const nlohmann::json& from, const char* key, std::string fallback) {
  if (!from.is_object()) return fallback;
  auto it = from.find(key);
  return it != from.end() && it->is_string() ? it->get<std::string>() : fallback;
}

bool Flag(const nlohmann::json& from, const char* key, bool fallback) {
  if (!from.is_object()) return fallback;
  auto it = from.find(key);
  return it != from.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

nlohmann::json Pick(const nlohmann::json& from, std::initializer_list<const char*> fields) {
  nlohmann::json out = nlohmann::json::object();
  if (!from.is_object()) return out;
  for (const char* f : fields)
    if (auto it = from.find(f); it != from.end() && !it->is_null()) out[f] = *it;
  return out;
}

bool CollectSummary::complete() const {
  return std::all_of(outcomes.begin(), outcomes.end(), [](const KindOutcome& o) { return o.status.ok(); });
}

std::string CollectSummary::ToText() const {
  std::string text;
  char line[512];
  std::string tenant;
  for (const auto& o : outcomes) {
    if (o.tenant != tenant) {
      tenant = o.tenant;
      text += "  tenant " + tenant + "\n";
    }
    std::string state = o.written ? "written" : o.status.ok() ? "absent" : "FAILED";
    std::snprintf(line, sizeof line, "    %-26s %9zu  %s", o.kind.c_str(), o.count, state.c_str());
    text += line;
    if (!o.status.ok()) text += ": " + o.status.ToString();
    if (!o.note.empty()) text += (o.status.ok() ? ": " : "; ") + o.note;
    text += "\n";
  }
  std::snprintf(line, sizeof line, "  %llu request(s), %llu throttled, %llu retried, in %.1f s\n",
                static_cast<unsigned long long>(requests), static_cast<unsigned long long>(throttled),
                static_cast<unsigned long long>(retried), seconds);
  return text + line;
}

namespace {

nlohmann::json ReportJson(const CollectOptions& options, const CollectSummary& summary) {
  nlohmann::json tenants = nlohmann::json::array();
  std::string tenant;
  for (const auto& o : summary.outcomes) {
    if (o.tenant != tenant) {
      tenant = o.tenant;
      tenants.push_back({{"tenantId", tenant}, {"kinds", nlohmann::json::array()}});
    }
    nlohmann::json k = {{"kind", o.kind}, {"written", o.written}, {"count", o.count}};
    if (!o.status.ok()) k["error"] = {{"code", std::string(StatusCodeName(o.status.code()))}, {"message", o.status.ToString()}};
    if (!o.note.empty()) k["note"] = o.note;
    tenants.back()["kinds"].push_back(k);
  }
  return {{"tool", "pal collect"},
          {"asOf", FormatIsoTime(summary.as_of)},
          {"authority", options.credentials.authority},
          {"clientId", options.credentials.client_id},
          {"graph", options.graph_url},
          {"arm", options.arm_url},
          {"complete", summary.complete()},
          {"requests", summary.requests},
          {"throttled", summary.throttled},
          {"retried", summary.retried},
          {"tenants", tenants}};
}

}  // namespace

Result<CollectSummary> Collect(const CollectOptions& options) {
  if (options.tenants.empty()) return Status::Error(StatusCode::kInvalidArgument, "give at least one --tenant ID");
  std::vector<std::string> tenants;
  for (const auto& t : options.tenants) {
    auto id = NormalizeGuid(t);
    if (!id) return Status::Error(StatusCode::kInvalidArgument, "a tenant ID is a GUID, not '" + t + "'", "--tenant");
    if (std::find(tenants.begin(), tenants.end(), *id) == tenants.end()) tenants.push_back(*id);
  }
  if (options.credentials.client_id.empty())
    return Status::Error(StatusCode::kInvalidArgument, "give --client-id (the application ID of the app registration)");
  if (options.credentials.client_secret.empty() == options.credentials.certificate_pem.empty())
    return Status::Error(StatusCode::kInvalidArgument, "give exactly one of --client-secret-file and --certificate");
  for (const std::string* url : {&options.credentials.authority, &options.graph_url, &options.arm_url}) {
    auto split = SplitHttpUrl(*url + "/");
    if (!split.ok()) return split.status();
  }

  auto started = std::chrono::steady_clock::now();
  CollectSummary summary;
  // asOf is when reading began: every fact read was true at some moment of the run, none before it started.
  summary.as_of = Timestamp::FromSeconds(Timestamp::Now().micros / 1000000);
  auto draft = SnapshotDraft::Begin(options.out_dir);
  if (!draft.ok()) return draft.status();

  HttpFetcher fetcher(options.retry, options.timeout_seconds, options.ca_file, options.sleep);
  TokenSource tokens(options.credentials, fetcher);
  size_t tenants_written = 0;
  std::string first_errors;
  for (const auto& tenant : tenants) {
    TenantContext ctx(options, tenant,
                      ServiceClient(fetcher, tokens, tenant, options.graph_url, options.graph_scope, "@odata.nextLink"),
                      ServiceClient(fetcher, tokens, tenant, options.arm_url, options.arm_scope, "nextLink"), **draft,
                      summary.outcomes);
    size_t first = summary.outcomes.size();
    CollectGraph(ctx);
    CollectArm(ctx);
    bool any = false;
    for (size_t i = first; i < summary.outcomes.size(); ++i)
      any = any || (summary.outcomes[i].written && summary.outcomes[i].kind != "tenant");
    if (any) {
      ++tenants_written;
    } else {
      // Nothing read: the tenant stays out of the snapshot rather than appear with a bare tenant.json.
      (*draft)->RemoveDir("tenants/" + tenant);
      for (size_t i = first; i < summary.outcomes.size(); ++i) {
        auto& o = summary.outcomes[i];
        if (o.written) o.written = false;
        if (!o.status.ok() && first_errors.find(tenant) == std::string::npos)
          first_errors += "\n  " + tenant + ": " + o.kind + ": " + o.status.ToString();
      }
    }
  }
  summary.requests = fetcher.stats().requests;
  summary.throttled = fetcher.stats().throttled;
  summary.retried = fetcher.stats().retried;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (tenants_written == 0)
    return Status::Error(StatusCode::kFailedPrecondition, "nothing could be read from any tenant; nothing was written:" +
                                                 first_errors);
  Status s = (*draft)->WriteJson("snapshot.json", {{"asOf", FormatIsoTime(summary.as_of)}});
  if (s.ok()) s = (*draft)->WriteJson("collect-report.json", ReportJson(options, summary));
  if (s.ok()) s = (*draft)->Commit();
  if (!s.ok()) return s;
  summary.out_dir = options.out_dir;
  return summary;
}

}  // namespace openpal::collect
