// The store: openpal's history of facts (directory, partner directory, links) behind one interface.
// SQLite implements it now (sqlite/), PostgreSQL next; nothing above this header knows which.
// Model: every fact is a row with a validity [from, to). A row is inserted once; its end is written once,
// when the fact stops holding, and never changed after; no row is ever deleted. See docs/store.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/interval.h"
#include "core/model.h"
#include "core/status.h"

namespace openpal {

// One snapshot's import: all writes are invisible to readers until Commit(), and discarded on destruction
// without it. At most one import (or link change) writes at a time; others wait.
class ImportTransaction {
 public:
  virtual ~ImportTransaction() = default;

  // The asOf of the latest snapshot in which `tenant`'s file `file` was present (tenant "" = partners.csv).
  // Per file, not per fact kind nor per tenant: users.json and servicePrincipals.json are observed apart.
  virtual Result<std::optional<Timestamp>> LastObservation(const TenantId& tenant, SnapshotFile file) = 0;
  // The asOf of the newest snapshot imported that contained `tenant`'s folder (tenant "" = partners.csv).
  virtual Result<std::optional<Timestamp>> NewestSnapshot(const TenantId& tenant) = 0;
  // Facts of `kind` still open (valid.to == Max), of one tenant, or of every tenant when `tenant` is nullopt.
  virtual Result<std::vector<AnyFact>> OpenFacts(FactKind kind, const std::optional<TenantId>& tenant) = 0;
  // Stores a new fact valid over `valid` (to == Max for an open one); returns its id.
  virtual Result<int64_t> Insert(const FactValue& value, const Interval& valid) = 0;
  // Ends the open fact `id` of `kind` at `end` (end >= its start). Error if it is already closed.
  virtual Status Close(FactKind kind, int64_t id, Timestamp end) = 0;
  // Records that `tenant`'s file `file` was present in the snapshot taken at `as_of`.
  virtual Status RecordObservation(const TenantId& tenant, SnapshotFile file, Timestamp as_of) = 0;
  // Records the snapshot itself (for `NewestSnapshot` and the import log): its asOf, source and summary line.
  virtual Status RecordSnapshot(const TenantId& tenant, Timestamp as_of, const std::string& source) = 0;
  // Makes everything durable and visible, atomically.
  virtual Status Commit() = 0;
};

// A change to one principal's link, decided from its current state (see Store::ChangeLink).
struct LinkState {
  std::optional<Fact<PartnerLink>> current;  // the open API link, if any
  int64_t version = 0;                       // the per-principal counter: 0 before the first change
};

struct LinkDecision {
  enum class Action { kNone, kCreate, kMove, kDelete };
  Action action = Action::kNone;
  std::string partner_id;                    // for kCreate and kMove
};

// One entry of a principal's link history (append-only).
struct LinkEvent {
  int64_t version = 0;
  std::string action;                        // "create", "update", "delete"
  std::string partner_id;
  Timestamp at;
  Timestamp created_time;                    // of the link after the change (create/update)
  std::string request_id;                    // x-ms-request-id of the API call that made it
};

// The history store (SQLite today; the interface a second backend implements). Thread-safety: every method may
// be called from any number of threads at once (pal serve's pool shares one Store); writers are serialised
// inside (one import or link change at a time, across processes too). Lifetime: outlives every transaction,
// visitor and object that holds a reference to it (surfaces, DirectoryIndex::Load's caller). Results are values:
// nothing returned refers into the store.
class Store {
 public:
  virtual ~Store() = default;

  // ---- Import ----
  // Starts the import of one snapshot (one write transaction).
  virtual Result<std::unique_ptr<ImportTransaction>> BeginImport() = 0;

  // ---- Bulk reads, for the engine and reports ----
  // Every fact of `kind` whose validity overlaps `window`, of one tenant or all. Order: by id.
  virtual Result<std::vector<AnyFact>> LoadFacts(FactKind kind, const Interval& window,
                                                 const std::optional<TenantId>& tenant = std::nullopt) = 0;
  // The facts LoadFacts would return, in the same order, handed to `batch` a few thousand at a time (it may move
  // their strings out), so a reader can index them while the next are read. Stops at the first error `batch`
  // returns. This default reads them all first; stores that can stream override it.
  virtual Status ScanFacts(FactKind kind, const Interval& window,
                           const std::function<Status(std::vector<AnyFact>&)>& batch) {
    auto facts = LoadFacts(kind, window);
    if (!facts.ok()) return facts.status();
    return batch(*facts);
  }
  // Number of facts of `kind` (all time), and how many are open now.
  virtual Result<std::pair<int64_t, int64_t>> CountFacts(FactKind kind) = 0;

  // ---- Point reads, for the API and explain ----
  // The principal's fact holding at `t`, if the principal existed then.
  virtual Result<std::optional<Fact<Principal>>> PrincipalAt(const TenantId& tenant, const ObjectId& object,
                                                             Timestamp t) = 0;
  // The partner-directory row of `partner_id` holding at `t`.
  virtual Result<std::optional<Fact<Partner>>> PartnerAt(const std::string& partner_id, Timestamp t) = 0;
  // The location-level partner rows of global account `global_partner_id` holding at `t`.
  virtual Result<std::vector<Partner>> LocationsOf(const std::string& global_partner_id, Timestamp t) = 0;

  // ---- Links (the API) ----
  // Atomically: reads the principal's link state, calls `decide` on it, applies the decision at `at`
  // (create: new open fact, version+1; move: close the current fact, open one to the new ID keeping
  // created_time, version+1; delete: close it, version+1; none: nothing), appends the LinkEvent, and
  // makes it durable before returning the new state. Concurrent calls for one principal are serialized.
  virtual Result<LinkState> ChangeLink(const TenantId& tenant, const ObjectId& object, Timestamp at,
                                       const std::string& request_id,
                                       const std::function<LinkDecision(const LinkState&)>& decide) = 0;
  // The principal's current API link state (a consistent read).
  virtual Result<LinkState> CurrentLink(const TenantId& tenant, const ObjectId& object) = 0;
  // Every change ever made to the principal's link, oldest first.
  virtual Result<std::vector<LinkEvent>> LinkHistory(const TenantId& tenant, const ObjectId& object) = 0;

  // ---- Change detection, for caches above the store ----
  // A number that differs from this Store's earlier answers once anything has been committed to the store since
  // (by this process or by another on the same database); an equal answer means nothing was. Caches tag what they
  // read with the number asked *before* reading, and reuse it only while the number is unchanged, so several
  // processes on one store answer as one service (docs/store.md "Several processes"). Cheap: asked per request.
  // This default cannot tell and answers a new number every time, so caches never reuse an entry.
  virtual Result<uint64_t> ChangeCounter() {
    static std::atomic<uint64_t> calls{0};
    return calls.fetch_add(1, std::memory_order_relaxed) + 1;
  }

  // The identity of the directory's facts as committed now: `store_id`, drawn when the store was created, and
  // `version`, which grows with every committed change to the facts (an import, a link change). Unlike ChangeCounter
  // it is kept in the database, so it is comparable across processes and restarts: a compiled directory index
  // (engine/compiled_index.h) records it to know when it is stale. This default cannot tell (NotSupported).
  struct DirectoryVersion {
    std::string store_id;
    uint64_t version = 0;
  };
  virtual Result<DirectoryVersion> CurrentDirectoryVersion() {
    return Status::Error(StatusCode::kNotSupported, "this store keeps no directory version", Describe());
  }

  // ---- Settings (small named blobs: the dev issuer's key, server identity) ----
  virtual Result<std::optional<std::string>> GetSetting(const std::string& name) = 0;
  virtual Status PutSettingIfAbsent(const std::string& name, const std::string& value) = 0;

  // Where the store lives, for messages ("openpal.db").
  virtual std::string Describe() const = 0;
};

// Opens (creating if needed, migrating to the current schema) the SQLite store at `path`.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace openpal
