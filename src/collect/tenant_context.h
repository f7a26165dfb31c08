// Internal to collect/: the state of collecting one tenant, shared by the Graph and ARM kinds.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collect/collector.h"
#include "collect/service_client.h"
#include "collect/snapshot_draft.h"

namespace openpal::collect {

struct TenantContext {
  TenantContext(const CollectOptions& o, std::string t, ServiceClient g, ServiceClient a, SnapshotDraft& d,
                std::vector<KindOutcome>& out)
      : options(o), tenant(std::move(t)), graph(std::move(g)), arm(std::move(a)), draft(d), outcomes(out) {}

  const CollectOptions& options;
  std::string tenant;
  ServiceClient graph;
  ServiceClient arm;
  SnapshotDraft& draft;
  std::vector<KindOutcome>& outcomes;

  // Learned from ARM on the way, used by the kinds after it.
  bool subscriptions_ok = false;
  std::vector<std::string> own_subscriptions;        // subscriptions of this tenant
  std::vector<std::string> delegated_subscriptions;  // other tenants' subscriptions seen through Lighthouse
  bool tree_ok = false;
  std::vector<std::string> management_groups;        // names, root first

  void Progress(const std::string& what, size_t count) const {
    if (options.progress) options.progress(tenant, what, count);
  }
  std::string FilePath(const std::string& kind) const { return "tenants/" + tenant + "/" + kind + ".json"; }
};

// Writes tenants/<tenant>/<kind>.json with `fill`, which adds the entries. On an error the file is removed (the
// kind stays "unchanged" for `pal import`) and the outcome records why. `fill` may set a note for the summary.
KindOutcome& WriteKind(TenantContext& ctx, const std::string& kind,
                       const std::function<Status(JsonArrayWriter& out, std::string& note)>& fill);

// Records a kind that was not attempted or is legitimately absent.
KindOutcome& SkipKind(TenantContext& ctx, const std::string& kind, Status why, std::string note = {});

// Runs fn(0..n-1) on up to `workers` threads; returns the first error (by index) or OK. Stops handing out work
// after an error.
Status ParallelFor(size_t n, int workers, const std::function<Status(size_t)>& fn);

// The string at `from[key]`, or `fallback` when `from` is not an object or the field is absent, null or not a
// string (services send null for unset fields; nlohmann's value() would throw on those).
std::string Text(const nlohmann::json& from, const char* key, std::string fallback = {});
// The same for a boolean field.
bool Flag(const nlohmann::json& from, const char* key, bool fallback);

// A copy of `from` with only `fields`, nulls dropped.
nlohmann::json Pick(const nlohmann::json& from, std::initializer_list<const char*> fields);

// The Graph kinds: tenant.json, users, servicePrincipals, groups (with direct members).
void CollectGraph(TenantContext& ctx);
// The ARM kinds: subscriptions, managementGroups, roleDefinitions, roleAssignments, registrationAssignments
// (+ registrationDefinitions), partnerLinks.
void CollectArm(TenantContext& ctx);

}  // namespace openpal::collect
