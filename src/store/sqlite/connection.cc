// SQLite connection, statement cache and transaction guard.
#include "store/sqlite/connection.h"

namespace openpal::sqlite {

Status SqliteError(sqlite3* db, int rc, std::string_view doing) {
  std::string msg = std::string(doing) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  // Trigger RAISE()s and constraint failures are refusals of the history's rules, not I/O trouble.
  int primary = rc & 0xff;
  const char* code = primary == SQLITE_CONSTRAINT ? "StoreConstraint"
                     : primary == SQLITE_BUSY     ? "StoreBusy"
                                                  : "StoreError";
  return Status::Error(code, msg, db ? (sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") : "")
                                     : std::string());
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: the pool guarantees one thread per connection at a time, so SQLite's own mutex is waste.
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Status s = Status::Error("StoreError", std::string("cannot open the store: ") +
                                               (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)),
                             path);
    sqlite3_close(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  std::unique_ptr<Connection> c(new Connection(db));
  // page_size: 8 KiB (effective only when the file is created) measured faster than 4 KiB for big imports.
  // busy_timeout before WAL: switching to WAL itself needs a lock another process may hold.
  // synchronous=FULL: a commit is on disk (WAL fsynced) before COMMIT returns; the API promises that.
  // journal_size_limit: after a big import, the WAL is cut back to 64 MiB once checkpointed.
  // cache_size: 64 MiB per connection for reads; an import raises its own (import_transaction.cc).
  Status s = c->Exec(
      "PRAGMA page_size=8192;"
      "PRAGMA busy_timeout=10000;"
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=FULL;"
      "PRAGMA foreign_keys=ON;"
      "PRAGMA temp_store=MEMORY;"
      "PRAGMA journal_size_limit=67108864;"
      "PRAGMA cache_size=-65536;");
  if (!s.ok()) return s.WithContext(path);
  auto mode = c->QueryInt("SELECT journal_mode = 'wal' FROM pragma_journal_mode");
  if (!mode.ok()) return mode.status();
  if (!mode->has_value() || **mode != 1)
    return Status::Error("StoreError", "the store needs WAL journaling, which this file system refused", path);
  return c;
}

Connection::~Connection() {
  cache_.clear();  // finalize statements before closing
  sqlite3_close(db_);
}

Result<Statement*> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second.get();
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "preparing \"" + sql.substr(0, 80) + "\"");
  auto owned = std::make_unique<Statement>(stmt);
  Statement* raw = owned.get();
  cache_.emplace(sql, std::move(owned));
  return raw;
}

Status Connection::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    int primary = rc & 0xff;
    return Status::Error(primary == SQLITE_CONSTRAINT ? "StoreConstraint"
                         : primary == SQLITE_BUSY     ? "StoreBusy"
                                                      : "StoreError",
                         "executing \"" + sql.substr(0, 80) + "\": " + msg);
  }
  return Status::Ok();
}

Result<std::optional<int64_t>> Connection::QueryInt(const std::string& sql) {
  auto st = Prepare(sql);
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  int rc = use->Step();
  if (rc == SQLITE_ROW) return use->IsNull(0) ? std::optional<int64_t>() : std::optional<int64_t>(use->Int(0));
  if (rc == SQLITE_DONE) return std::optional<int64_t>();
  return SqliteError(db_, rc, "querying \"" + sql.substr(0, 80) + "\"");
}

Transaction::Transaction(Connection& c, Mode mode) : c_(c) {
  // IMMEDIATE takes the write lock now, so a writer never fails half-way with SQLITE_BUSY on upgrade.
  begin_status_ = c_.Exec(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  open_ = begin_status_.ok();
}

Transaction::~Transaction() {
  if (open_) c_.Exec("ROLLBACK");
}

Status Transaction::Commit() {
  if (!open_) return Status::Error("StoreError", "commit of a transaction that is not open");
  Status s = c_.Exec("COMMIT");
  if (s.ok()) open_ = false;
  return s;
}

}  // namespace openpal::sqlite
