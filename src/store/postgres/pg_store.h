// The PostgreSQL implementation of Store and RunStore: a pool of libpq connections, writers serialised by the
// database itself (advisory locks, a counter row per principal), so several processes on one database answer as one.
// Concurrency, durability and production notes: docs/store.md "PostgreSQL".
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/connection_pool.h"
#include "store/postgres/pg_connection.h"
#include "store/runs.h"
#include "store/store.h"

namespace openpal::pg {

// Connections to one database. A connection that was lost (the server restarted) or left inside a transaction is
// dropped when it comes back (Connection::Recycle), so the next caller connects anew: the store recovers by itself
// once the server is back.
using ConnectionPool = openpal::ConnectionPool<Connection>;
using PooledConnection = openpal::PooledConnection<Connection>;

class PgStore final : public Store, public RunStore {
 public:
  // `uri`: the libpq URI; `where`: how messages name it (the URI without its password).
  PgStore(std::string uri, std::string where, bool read_only)
      : uri_(uri), where_(std::move(where)), pool_(std::move(uri), read_only) {}

  ConnectionPool& pool() { return pool_; }
  const std::string& uri() const { return uri_; }

  Result<std::unique_ptr<ImportTransaction>> BeginImport() override;
  Result<std::vector<AnyFact>> LoadFacts(FactKind kind, const Interval& window,
                                         const std::optional<TenantId>& tenant) override;
  Status ScanFacts(FactKind kind, const Interval& window,
                   const std::function<Status(std::vector<AnyFact>&)>& batch) override;
  Result<std::pair<int64_t, int64_t>> CountFacts(FactKind kind) override;
  Result<std::optional<Fact<Principal>>> PrincipalAt(const TenantId& tenant, const ObjectId& object,
                                                     Timestamp t) override;
  Result<std::optional<Fact<Partner>>> PartnerAt(const std::string& partner_id, Timestamp t) override;
  Result<std::vector<Partner>> LocationsOf(const std::string& global_partner_id, Timestamp t) override;
  Result<LinkState> ChangeLink(const TenantId& tenant, const ObjectId& object, Timestamp at,
                               const std::string& request_id,
                               const std::function<LinkDecision(const LinkState&)>& decide) override;
  Result<LinkState> CurrentLink(const TenantId& tenant, const ObjectId& object) override;
  Result<std::vector<LinkEvent>> LinkHistory(const TenantId& tenant, const ObjectId& object) override;
  Result<std::optional<std::string>> GetSetting(const std::string& name) override;
  Status PutSettingIfAbsent(const std::string& name, const std::string& value) override;
  std::string Describe() const override { return where_; }
  // Moves when any transaction of the server has ended since (pg_current_snapshot()), see docs/store.md.
  Result<uint64_t> ChangeCounter() override;
  // The sum of directory_version's slots, raised in the transaction of every import and link change (pg_schema.cc).
  Result<DirectoryVersion> CurrentDirectoryVersion() override;

  // RunStore (pg_runs.cc).
  Result<int64_t> SaveRun(const SavedRun& run) override;
  Result<int64_t> SaveRunFrom(const RunInfo& info, SavedRowSource& rows) override;
  Result<std::vector<RunInfo>> ListRuns() override;
  Result<std::vector<SavedReportRow>> LoadReportRows(const std::vector<RunFileRef>& files,
                                                     const std::optional<std::string>& partner_id) override;
  Result<std::vector<SavedUnattributedRow>> LoadUnattributedRows(const std::vector<RunFileRef>& files) override;
  Result<std::vector<SavedReconciliation>> LoadReconciliation(const std::vector<RunFileRef>& files) override;

 private:
  std::string uri_, where_;
  ConnectionPool pool_;
  std::mutex watch_mu_;                 // guards the three below
  std::unique_ptr<Connection> watch_;   // ChangeCounter's connection
  std::string last_snapshot_;
  uint64_t counter_ = 0;
};

// Starts an import on `store` (pg_import.cc).
Result<std::unique_ptr<ImportTransaction>> BeginPgImport(PgStore& store);

// `uri` with any password replaced by "***", for messages and Describe().
std::string RedactUri(const std::string& uri);

}  // namespace openpal::pg
