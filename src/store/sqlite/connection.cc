// SQLite connection, statement cache and transaction guard.
#include "store/sqlite/connection.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace openpal::sqlite {

namespace {

// Trigger RAISE()s and constraint failures are refusals of the history's rules, not I/O trouble; a busy store may
// be retried.
StatusCode CodeOfSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: return StatusCode::kFailedPrecondition;
    case SQLITE_BUSY: return StatusCode::kBusy;
    default: return StatusCode::kIoError;
  }
}

}  // namespace

Status SqliteError(sqlite3* db, int rc, std::string_view doing) {
  std::string msg = std::string(doing) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return Status::Error(CodeOfSqlite(rc), msg, db ? (sqlite3_db_filename(db, "main") ? sqlite3_db_filename(db, "main") : "")
                                     : std::string());
}

namespace {

// Retries `sql` while it fails with SQLITE_BUSY, for up to the busy timeout. Switching a new file to WAL needs an
// exclusive lock, and SQLite returns BUSY at once, without its busy handler, when two connections that both read
// the file race for it (waiting could deadlock them); one of them wins, the other waits here and then finds WAL on.
Status ExecWaitingOnBusy(Connection& c, const std::string& sql) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (int attempt = 0;; ++attempt) {
    Status s = c.Exec(sql);
    if (s.ok() || s.code() != StatusCode::kBusy || std::chrono::steady_clock::now() > deadline) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(2 + attempt * 2, 50)));
  }
}

}  // namespace

Status CheckStoreIdentity(Connection& c, const std::string& path) {
  auto app = c.QueryInt("PRAGMA application_id");
  if (!app.ok()) {
    if (app.status().message().find("not a database") != std::string::npos)
      return Status::Error(StatusCode::kCorruption, "not an openpal store: the file is not an SQLite database", path);
    return app.status().WithContext(path);
  }
  const int64_t id = app->value_or(0);
  if (id == kOpenpalApplicationId) return Status::Ok();
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08llx", static_cast<unsigned long long>(id) & 0xffffffffULL);
  if (id != 0)
    return Status::Error(StatusCode::kCorruption,
                         std::string("not an openpal store: an SQLite database of another application (application_id ") +
                             hex + "); openpal leaves it untouched: give --db the path of an openpal store or a new file",
                         path);
  // No application ID: an empty database (a new store), or a store written before openpal set one (recognised by
  // its tables and schema version; a write stamps the ID), or someone else's database.
  auto objects = c.QueryInt("SELECT count(*) FROM sqlite_master");
  if (!objects.ok()) return objects.status().WithContext(path);
  if (objects->value_or(0) == 0) return Status::Ok();
  auto version = c.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status().WithContext(path);
  auto ours = c.QueryInt(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('principals', 'partner_links', "
      "'observations', 'snapshots', 'link_events', 'settings')");
  if (!ours.ok()) return ours.status().WithContext(path);
  if (version->value_or(0) >= 1 && ours->value_or(0) == 6) return Status::Ok();
  return Status::Error(StatusCode::kCorruption,
                       "not an openpal store: an SQLite database with tables of its own and no openpal application_id; "
                       "openpal leaves it untouched: give --db the path of an openpal store or a new file",
                       path);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  // NOMUTEX: the pool guarantees one thread per connection at a time, so SQLite's own mutex is waste.
  const int create = read_only ? 0 : SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | create | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Status::Error(StatusCode::kIoError, std::string("cannot open the store: ") +
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
  // The busy timeout first: even reading the identity waits for a lock another process may hold.
  Status s = c->Exec("PRAGMA busy_timeout=" + std::to_string(kBusyTimeoutMs));
  if (!s.ok()) return s.WithContext(path);
  // Before any byte is written (page size, WAL, schema): another application's database is refused untouched.
  if (s = CheckStoreIdentity(*c, path); !s.ok()) return s;
  if (read_only) {
    s = c->Exec(
        "PRAGMA foreign_keys=ON;"
        "PRAGMA temp_store=MEMORY;"
        "PRAGMA cache_size=-65536;");
    if (!s.ok()) return s.WithContext(path);
    return c;
  }
  if (s = c->Exec("PRAGMA page_size=8192"); !s.ok()) return s.WithContext(path);
  if (s = ExecWaitingOnBusy(*c, "PRAGMA journal_mode=WAL"); !s.ok()) return s.WithContext(path);
  s = c->Exec(
      "PRAGMA synchronous=FULL;"
      "PRAGMA foreign_keys=ON;"
      "PRAGMA temp_store=MEMORY;"
      "PRAGMA journal_size_limit=67108864;"
      "PRAGMA cache_size=-65536;");
  if (!s.ok()) return s.WithContext(path);
  auto mode = c->QueryInt("SELECT journal_mode = 'wal' FROM pragma_journal_mode");
  if (!mode.ok()) return mode.status();
  if (!mode->has_value() || **mode != 1)
    return Status::Error(StatusCode::kIoError, "the store needs WAL journaling, which this file system refused", path);
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
    return Status::Error(CodeOfSqlite(rc), "executing \"" + sql.substr(0, 80) + "\": " + msg);
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
  if (!open_) return Status::Error(StatusCode::kIoError, "commit of a transaction that is not open");
  Status s = c_.Exec("COMMIT");
  if (s.ok()) open_ = false;
  return s;
}

}  // namespace openpal::sqlite
