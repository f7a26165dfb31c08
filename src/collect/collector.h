// `pal collect`: reads each tenant's directory from Microsoft Graph and ARM into a snapshot folder in the format
// `pal import` reads (docs/collect.md lists every request and how each file is produced).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "collect/http_fetch.h"
#include "collect/token_source.h"
#include "core/status.h"
#include "core/time.h"

namespace openpal::collect {

struct CollectOptions {
  std::vector<std::string> tenants;  // tenant IDs (GUIDs)
  std::string out_dir;               // must not exist yet
  ClientCredentials credentials;
  std::string graph_url = "https://graph.microsoft.com";
  std::string arm_url = "https://management.azure.com";
  std::string graph_scope = kGraphScope;
  std::string arm_scope = kArmScope;
  std::string ca_file;  // PEM bundle to trust instead of the system's ("" = system)
  RetryPolicy retry;
  int timeout_seconds = 60;
  int parallel = 4;  // concurrent requests for per-group and per-subscription listings
  // Called as work advances (tenant, what, objects so far); may be null. Called from the collecting thread only.
  std::function<void(const std::string& tenant, const std::string& what, size_t count)> progress;
  HttpFetcher::SleepFn sleep;  // replaces real waiting (tests); null = sleep
};

// What became of one kind of one tenant.
struct KindOutcome {
  std::string tenant;
  std::string kind;   // the file's name without .json ("users", "roleAssignments", ...)
  bool written = false;
  size_t count = 0;   // entries written
  Status status;      // why it is absent when not written and not ok
  std::string note;   // something worth knowing even when written (e.g. "deleted users not readable")
};

struct CollectSummary {
  Timestamp as_of;
  std::string out_dir;
  std::vector<KindOutcome> outcomes;
  uint64_t requests = 0, throttled = 0, retried = 0;
  double seconds = 0;
  // True when every kind of every tenant was read (or legitimately absent).
  bool complete() const;
  // A table for people: tenant, kind, entries, status.
  std::string ToText() const;
};

// Collects every tenant into options.out_dir. Kinds that fail (after retries) are left out of the snapshot — an
// absent file means "unchanged" to `pal import` — and reported in the summary; a tenant nothing could be read from
// is left out entirely. The folder appears complete or not at all. Errors (nothing written): InvalidArgument, AlreadyExists,
// IoError, and FailedPrecondition (every tenant failed; the message gives each tenant's first error).
Result<CollectSummary> Collect(const CollectOptions& options);

}  // namespace openpal::collect
