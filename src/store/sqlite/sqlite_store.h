// The SQLite implementation of Store: a pool of connections (one per concurrent caller), one writer at a time.
// Concurrency and durability rules: docs/store.md.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/connection_pool.h"
#include "store/sqlite/connection.h"
#include "store/runs.h"
#include "store/store.h"

namespace openpal::sqlite {

// Connections to one database file. Any number may be out at once (WAL readers never block each other).
using ConnectionPool = openpal::ConnectionPool<Connection>;
using PooledConnection = openpal::PooledConnection<Connection>;

class SqliteStore final : public Store, public RunStore {
 public:
  explicit SqliteStore(std::string path, bool read_only = false) : path_(path), pool_(std::move(path), read_only) {}

  ConnectionPool& pool() { return pool_; }
  // Serializes this process's writers, so they queue here instead of spinning on SQLite's busy handler.
  // (BEGIN IMMEDIATE and busy_timeout still order writers of other processes.)
  std::mutex& write_mutex() { return write_mutex_; }

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
  std::string Describe() const override { return path_; }
  // SQLite's `PRAGMA data_version` on a connection of its own that never writes: it moves on every commit of any
  // other connection, of this process or another.
  Result<uint64_t> ChangeCounter() override;
  Result<DirectoryVersion> CurrentDirectoryVersion() override;

  // RunStore: saved attribution runs (runs.cc).
  Result<int64_t> SaveRun(const SavedRun& run) override;
  Result<int64_t> SaveRunFrom(const RunInfo& info, SavedRowSource& rows) override;
  Result<std::vector<RunInfo>> ListRuns() override;
  Result<std::vector<SavedReportRow>> LoadReportRows(const std::vector<RunFileRef>& files,
                                                     const std::optional<std::string>& partner_id) override;
  Result<std::vector<SavedUnattributedRow>> LoadUnattributedRows(const std::vector<RunFileRef>& files) override;
  Result<std::vector<SavedReconciliation>> LoadReconciliation(const std::vector<RunFileRef>& files) override;

 private:
  std::string path_;
  ConnectionPool pool_;
  std::mutex write_mutex_;
  std::mutex watch_mu_;                 // guards watch_
  std::unique_ptr<Connection> watch_;   // ChangeCounter's connection, opened on first use
};

// The link state of a principal as read on `c` (inside the caller's transaction).
Result<LinkState> ReadLinkState(Connection& c, const std::string& tenant, const std::string& object);

// Starts an import on `store` (defined in import_transaction.cc).
Result<std::unique_ptr<ImportTransaction>> BeginSqliteImport(SqliteStore& store);

}  // namespace openpal::sqlite
