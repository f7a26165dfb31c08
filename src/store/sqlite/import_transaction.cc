// ImportTransaction on SQLite: one BEGIN IMMEDIATE transaction holding the process's write lock throughout.
#include <mutex>
#include <string>

#include "store/sqlite/fact_codec.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"

namespace openpal::sqlite {
namespace {

// While an import runs, its connection's page cache is large enough to hold the index B-trees of a
// million-row snapshot: otherwise SQLite spills dirty pages to the WAL and reads them back, and a 1M-row
// import is I/O-bound (measured: 45k rows/s with 64 MiB, see docs/store.md). Restored when the import ends.
class ImportCacheSize {
 public:
  explicit ImportCacheSize(Connection& c) : c_(c) { c_.Exec("PRAGMA cache_size=" + std::to_string(kImportCacheKiB)); }
  ~ImportCacheSize() { c_.Exec("PRAGMA cache_size=" + std::to_string(kNormalCacheKiB)); }

 private:
  static constexpr int kImportCacheKiB = -1048576;  // negative: KiB, so 1 GiB, allocated only as used
  static constexpr int kNormalCacheKiB = -65536;    // as Connection::Open sets it
  Connection& c_;
};

class SqliteImport final : public ImportTransaction {
 public:
  SqliteImport(std::unique_lock<std::mutex> lock, PooledConnection conn)
      : lock_(std::move(lock)), conn_(std::move(conn)), cache_(*conn_), tx_(*conn_, Transaction::Mode::kWrite) {}

  const Status& begin_status() const { return tx_.status(); }

  Result<std::optional<Timestamp>> LastObservation(const TenantId& tenant, SnapshotFile file) override {
    auto st = Usable("SELECT max(as_of) FROM observations WHERE tenant = ? AND kind = ?");
    if (!st.ok()) return st.status();
    StatementUse use(**st);
    use->BindText(1, AsciiLower(tenant));
    use->BindText(2, SnapshotFileName(file));
    return MaybeTime(use, "reading the last observation");
  }

  Result<std::optional<Timestamp>> NewestSnapshot(const TenantId& tenant) override {
    auto st = Usable("SELECT max(as_of) FROM snapshots WHERE tenant = ?");
    if (!st.ok()) return st.status();
    StatementUse use(**st);
    use->BindText(1, AsciiLower(tenant));
    return MaybeTime(use, "reading the newest snapshot");
  }

  Result<std::vector<AnyFact>> OpenFacts(FactKind kind, const std::optional<TenantId>& tenant) override {
    std::string sql = "SELECT " + SelectColumns(kind) + " FROM " + TableOf(kind) + " WHERE valid_to IS NULL" +
                      (tenant ? " AND tenant = ?" : "") + " ORDER BY id";
    auto st = Usable(sql);
    if (!st.ok()) return st.status();
    StatementUse use(**st);
    if (tenant) use->BindText(1, AsciiLower(*tenant));
    std::vector<AnyFact> out;
    int rc;
    while ((rc = use->Step()) == SQLITE_ROW) out.push_back(ReadFact(*use, kind));
    if (rc != SQLITE_DONE) return SqliteError(conn_->raw(), rc, std::string("reading open ") + TableOf(kind));
    return out;
  }

  Result<int64_t> Insert(const FactValue& value, const Interval& valid) override {
    if (valid.to < valid.from)
      return Status::Error(StatusCode::kInvalidArgument, "a fact cannot end before it starts: " + valid.ToString(),
                           std::string("insert into ") + TableOf(KindOf(value)));
    auto st = Usable(InsertSql(KindOf(value)));
    if (!st.ok()) return st.status();
    StatementUse use(**st);
    BindFact(*use, value, valid);
    int rc = use->Step();
    if (rc != SQLITE_DONE)
      return SqliteError(conn_->raw(), rc, std::string("inserting into ") + TableOf(KindOf(value)));
    return static_cast<int64_t>(sqlite3_last_insert_rowid(conn_->raw()));
  }

  Status Close(FactKind kind, int64_t id, Timestamp end) override {
    if (end == Timestamp::Max())
      return Status::Error(StatusCode::kInvalidArgument, "a fact cannot be closed at the open end (Timestamp::Max)");
    auto st = Usable(std::string("UPDATE ") + TableOf(kind) + " SET valid_to = ? WHERE id = ? AND valid_to IS NULL");
    if (!st.ok()) return st.status();
    StatementUse use(**st);
    use->BindInt(1, end.micros);
    use->BindInt(2, id);
    int rc = use->Step();
    std::string where = std::string(TableOf(kind)) + " id " + std::to_string(id);
    if (rc != SQLITE_DONE) return SqliteError(conn_->raw(), rc, "closing " + where);
    if (sqlite3_changes(conn_->raw()) != 1)
      return Status::Error(StatusCode::kFailedPrecondition, "no open fact with this id: it does not exist or was already closed", where);
    return Status::Ok();
  }

  Status RecordObservation(const TenantId& tenant, SnapshotFile file, Timestamp as_of) override {
    auto st = Usable("INSERT OR IGNORE INTO observations (tenant, kind, as_of) VALUES (?, ?, ?)");
    if (!st.ok()) return st.status();
    StatementUse use(**st);
    use->BindText(1, AsciiLower(tenant));
    use->BindText(2, SnapshotFileName(file));
    use->BindInt(3, as_of.micros);
    int rc = use->Step();
    return rc == SQLITE_DONE ? Status::Ok() : SqliteError(conn_->raw(), rc, "recording an observation");
  }

  Status RecordSnapshot(const TenantId& tenant, Timestamp as_of, const std::string& source) override {
    auto st = Usable("INSERT OR IGNORE INTO snapshots (tenant, as_of, source) VALUES (?, ?, ?)");
    if (!st.ok()) return st.status();
    StatementUse use(**st);
    use->BindText(1, AsciiLower(tenant));
    use->BindInt(2, as_of.micros);
    use->BindText(3, source);
    int rc = use->Step();
    return rc == SQLITE_DONE ? Status::Ok() : SqliteError(conn_->raw(), rc, "recording a snapshot");
  }

  Status Commit() override {
    if (committed_) return Status::Error(StatusCode::kIoError, "the import was already committed");
    if (Status bumped = conn_->Exec(kBumpDirectoryVersionSql); !bumped.ok())
      return bumped.WithContext("raising the directory version");
    Status s = tx_.Commit();
    if (!s.ok()) return s.WithContext("committing the import");
    committed_ = true;
    // The transaction is over: let other writers (a link change, the next import) go on even while this
    // object lives on in its caller.
    lock_.unlock();
    return s;
  }

 private:
  // The cached statement for `sql`, or an error when the transaction is no longer open.
  Result<Statement*> Usable(const std::string& sql) {
    if (committed_) return Status::Error(StatusCode::kIoError, "the import was already committed; start another");
    return conn_->Prepare(sql);
  }

  Result<std::optional<Timestamp>> MaybeTime(StatementUse& use, const char* doing) {
    int rc = use->Step();
    if (rc == SQLITE_ROW)
      return use->IsNull(0) ? std::optional<Timestamp>() : std::optional<Timestamp>(Timestamp{use->Int(0)});
    if (rc == SQLITE_DONE) return std::optional<Timestamp>();
    return SqliteError(conn_->raw(), rc, doing);
  }

  // Destroyed in reverse order: the transaction rolls back (if open) before the connection goes back
  // to the pool and before the write lock is released.
  std::unique_lock<std::mutex> lock_;
  PooledConnection conn_;
  ImportCacheSize cache_;
  Transaction tx_;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<ImportTransaction>> BeginSqliteImport(SqliteStore& store) {
  std::unique_lock<std::mutex> lock(store.write_mutex());
  auto conn = store.pool().Acquire();
  if (!conn.ok()) return conn.status();
  auto tx = std::make_unique<SqliteImport>(std::move(lock), std::move(conn).value());
  if (!tx->begin_status().ok()) return tx->begin_status().WithContext("starting an import");
  return std::unique_ptr<ImportTransaction>(std::move(tx));
}

}  // namespace openpal::sqlite
