// /openpal/v1/reports/influence, /reports/unattributed, /runs and /explain (docs/openpal-api.md): saved runs and
// explanations as JSON, readable only by principals of the partner organisation's own tenant.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "api/arm_errors.h"
#include "api/caller.h"
#include "api/management_partner.h"
#include "api/openpal_surfaces.h"
#include "core/guid.h"
#include "engine/compiled_index.h"
#include "store/open_store.h"
#include "engine/explain.h"
#include "engine/report_query.h"

namespace openpal::api {
namespace {

constexpr std::string_view kInfluence = "/openpal/v1/reports/influence";
constexpr std::string_view kUnattributed = "/openpal/v1/reports/unattributed";
constexpr std::string_view kRuns = "/openpal/v1/runs";
constexpr std::string_view kExplain = "/openpal/v1/explain";

// The directory index explain needs takes a while to build on a large store, so it is shared for a few seconds:
// an explanation may lag a link change by at most kIndexSeconds. Then the store's directory version says whether
// anything changed; when it did, the compiled index beside the database is used if fresh (rebuilt if stale), else
// the facts are loaded from the store (docs/index-format.md).
constexpr int kIndexSeconds = 5;

// Reports change with every import and run: never kept by a cache.
ApiResponse Json(std::string body) {
  ApiResponse r = JsonResponse(std::move(body));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

Status BadParameter(const std::string& message) { return ArmStatus(ArmCode::kInvalidQueryParameter, message); }

// What the engine's refusal of a report query means on this surface's wire: a bad parameter, or an unknown run.
Status QueryError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument: return Refine(status, ArmCode::kInvalidQueryParameter);
    case StatusCode::kNotFound: return Refine(status, ArmCode::kRunNotFound);
    default: return status;
  }
}

class ReportsSurface : public Surface {
 public:
  explicit ReportsSurface(const SurfaceContext& context) : context_(context) {}

  std::vector<Route> Routes() const override {
    enum Kind { kInfluenceReport, kUnattributedReport };
    auto report = [this](Kind kind) {
      return [this, kind](const RouteCall& call) { return Report(call, kind == kInfluenceReport); };
    };
    return {
        {"GET", std::string(kInfluence), Auth::kPrincipal, true, report(kInfluenceReport)},
        {"GET", std::string(kUnattributed), Auth::kPrincipal, true, report(kUnattributedReport)},
        {"GET", std::string(kRuns), Auth::kPrincipal, true,
         [this](const RouteCall& call) { return Runs(*call.caller, call.now); }},
        {"GET", std::string(kExplain), Auth::kPrincipal, true,
         [this](const RouteCall& call) { return Explain(call.request, *call.caller, call.now); }},
    };
  }

 private:
  ApiResponse Report(const RouteCall& call, bool influence) const {
    auto query = ReadQuery(call.request);
    if (!query.ok()) return ErrorResponse(query.status());
    Status may = CheckMayReadPartner(context_.store, *call.caller, *query->partner, call.now);
    if (!may.ok()) return ErrorResponse(may);
    if (influence) {
      auto report = engine::QueryInfluence(context_.store, *query);
      if (!report.ok()) return ErrorResponse(QueryError(report.status()));
      return Json(engine::InfluenceJson(*report, query->partner));
    }
    auto report = engine::QueryUnattributed(context_.store, *query);
    if (!report.ok()) return ErrorResponse(QueryError(report.status()));
    return Json(engine::UnattributedJson(*report, *query->partner));
  }

  // partner (required), customer, from, to, by (default customer,month), run.
  static Result<engine::ReportQuery> ReadQuery(const ApiRequest& request) {
    engine::ReportQuery q;
    q.partner = request.Query("partner");
    if (!q.partner || q.partner->empty()) return BadParameter("The 'partner' query parameter is required.");
    q.customer = request.Query("customer");
    q.from = request.Query("from");
    q.to = request.Query("to");
    if (auto run = request.Query("run")) {
      if (run->empty() || run->size() > 18 || run->find_first_not_of("0123456789") != std::string::npos)
        return BadParameter("'" + *run + "' is not a run ID (a positive integer).");
      q.run = std::stoll(*run);
    }
    auto by = engine::ParseGroupBy({request.Query("by").value_or("customer,month")});
    if (!by.ok()) return QueryError(by.status());
    q.by = *by;
    Status valid = engine::ValidateQuery(q);
    if (!valid.ok()) return QueryError(valid);
    return q;
  }

  // The partner IDs whose data `caller` may read now.
  Result<std::set<std::string>> Readable(const VerifiedToken& caller, Timestamp now) const {
    auto partners = PartnersOfOrganisation(context_.store, caller.tenant_id, now);
    if (!partners.ok()) return partners.status();
    std::set<std::string> ids;
    for (const Partner& p : *partners) ids.insert(p.partner_id);
    return ids;
  }

  // The runs that credited at least one partner ID the caller may read.
  ApiResponse Runs(const VerifiedToken& caller, Timestamp now) const {
    auto readable = Readable(caller, now);
    if (!readable.ok()) return ErrorResponse(readable.status());
    RunStore* runs = RunsOf(context_.store);
    if (!runs) return ErrorResponse(Status::Error(StatusCode::kInternal, "the store keeps no runs"));
    auto list = runs->ListRuns();
    if (!list.ok()) return ErrorResponse(list.status());
    std::vector<RunInfo> visible;
    for (const RunInfo& run : *list) {
      std::vector<RunFileRef> files;
      for (const RunFile& f : run.files) files.push_back(RunFileRef{run.run_id, f.index});
      bool credited = false;
      for (const std::string& partner : *readable) {
        if (credited) break;
        auto rows = runs->LoadReportRows(files, partner);
        if (!rows.ok()) return ErrorResponse(rows.status());
        credited = !rows->empty();
      }
      if (credited) visible.push_back(run);
    }
    return Json(engine::RunsJson(visible));
  }

  ApiResponse Explain(const ApiRequest& request, const VerifiedToken& caller, Timestamp now) const {
    auto resource = request.Query("resource");
    auto at_text = request.Query("at");
    if (!resource || resource->empty()) return ErrorResponse(BadParameter("The 'resource' query parameter is required."));
    if (!at_text || at_text->empty()) return ErrorResponse(BadParameter("The 'at' query parameter is required."));
    auto at = ParseTime(*at_text);
    if (!at.ok()) return ErrorResponse(BadParameter("'" + *at_text + "' is not a time (ISO 8601)."));
    std::optional<std::string> partner = request.Query("partner");
    if (partner && partner->empty()) partner.reset();
    std::set<std::string> readable;
    if (partner) {
      Status may = CheckMayReadPartner(context_.store, caller, *partner, now);
      if (!may.ok()) return ErrorResponse(may);
    } else {
      auto ids = Readable(caller, now);
      if (!ids.ok()) return ErrorResponse(ids.status());
      readable = std::move(ids).value();
    }
    auto index = Index();
    if (!index.ok()) return ErrorResponse(index.status());
    auto e = engine::Explain(**index, RolePolicy::All(), *resource, *at, partner);
    if (!e.ok()) return ErrorResponse(BadParameter(e.status().message()));
    // Who sees what (docs/openpal-api.md "Who may read what"): the customer tenant holding the resource sees it
    // all; a partner organisation sees the paths of its own partner IDs (its linked principals' access), and
    // what they reveal (the tenant, the chain), nothing of other partners; anyone else sees nothing, answered
    // alike whether the resource exists or not.
    if (e->customer_tenant.empty() || !EqualsIgnoreCase(e->customer_tenant, caller.tenant_id)) {
      if (partner) readable = {*partner};
      if (!Restrict(*e, readable))
        return ErrorResponse(ArmStatus(
            ArmCode::kAuthorizationFailed, "The client '" + caller.object_id + "' in tenant '" + caller.tenant_id +
                                       "' may not see this resource at that time: it is not in the client's tenant, "
                                       "and no partner ID of its organisation has a path to it."));
    }
    return Json(engine::ExplanationJson(*e));
  }

  // Keeps only the paths of partners in `readable` (a path is a partner's when its principal was linked to it at
  // that moment) and their credits; other partners' paths and credits, and the tenant-wide reason code, are not
  // the caller's to see. False when no path is left: then nothing of the resource is the caller's.
  static bool Restrict(engine::Explanation& e, const std::set<std::string>& readable) {
    std::vector<engine::PathVerdict> kept;
    for (auto& v : e.paths)
      if (readable.count(v.partner_at)) kept.push_back(std::move(v));
    if (kept.empty()) return false;
    e.paths = std::move(kept);
    std::vector<std::string> credited;
    for (const auto& p : e.credited_partners)
      if (readable.count(p)) credited.push_back(p);
    e.credited_partners = credited;
    e.reason.reset();  // it describes every path of the tenant, others' included
    if (credited.empty()) {
      e.summary = "None of your partner IDs is credited for this resource at that time.";
    } else {
      std::string list;
      for (const auto& p : credited) list += (list.empty() ? "" : ", ") + p;
      e.summary = "Credited in full (influence credit) to: " + list + ".";
    }
    return true;
  }

  Result<std::shared_ptr<const engine::DirectoryView>> Index() const {
    std::lock_guard<std::mutex> lock(index_mu_);
    auto fresh = std::chrono::steady_clock::now();
    if (!index_ || fresh - index_loaded_ > std::chrono::seconds(kIndexSeconds)) {
      auto version = context_.store.CurrentDirectoryVersion();
      const bool unchanged = index_ && version.ok() && index_version_ && version->store_id == index_version_->store_id &&
                             version->version == index_version_->version;
      if (!unchanged) {
        auto loaded = engine::LoadDirectory(context_.store, {StoreSideFile(context_.db_path, ".index"), false, nullptr});
        if (!loaded.ok()) return loaded.status();
        index_ = std::shared_ptr<const engine::DirectoryView>(std::move(loaded->view));
        index_version_.reset();
        if (loaded->identity) index_version_ = Store::DirectoryVersion{loaded->identity->store_id, loaded->identity->directory_version};
      }
      index_loaded_ = fresh;
    }
    return index_;
  }

  SurfaceContext context_;
  mutable std::mutex index_mu_;
  mutable std::shared_ptr<const engine::DirectoryView> index_;
  mutable std::optional<Store::DirectoryVersion> index_version_;  // what index_ was read at, when the store tells
  mutable std::chrono::steady_clock::time_point index_loaded_;
};

}  // namespace

std::unique_ptr<Surface> MakeReportsSurface(const SurfaceContext& context) {
  return std::make_unique<ReportsSurface>(context);
}

}  // namespace openpal::api
