// One SQLite connection with its cached prepared statements, and the small RAII helpers the store uses.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"
#include "core/time.h"

namespace openpal::sqlite {

// A Status for the connection's last error, naming what was being done (`doing`) and SQLite's message.
Status SqliteError(sqlite3* db, int rc, std::string_view doing);

// A prepared statement owned by its Connection's cache. Bind, step, read columns; Reset() before reuse.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Clears bindings and the execution state, so the statement can be used again.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  // Binders take the 1-based parameter index.
  void BindText(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void BindNull(int i) { sqlite3_bind_null(stmt_, i); }
  // Timestamp::Max() (open-ended) is stored as NULL.
  void BindEnd(int i, Timestamp t) {
    if (t == Timestamp::Max()) BindNull(i); else BindInt(i, t.micros);
  }

  // Runs one step: SQLITE_ROW or SQLITE_DONE; any other code is returned for the caller to report.
  int Step() { return sqlite3_step(stmt_); }

  // Readers take the 0-based column index.
  bool IsNull(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  int64_t Int(int c) const { return sqlite3_column_int64(stmt_, c); }
  std::string Text(int c) const {
    const unsigned char* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, c)))
             : std::string();
  }
  // A NULL end column reads as Timestamp::Max().
  Timestamp End(int c) const { return IsNull(c) ? Timestamp::Max() : Timestamp{Int(c)}; }

  sqlite3_stmt* raw() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

// Resets a statement when it goes out of scope, so an early return never leaves it mid-step
// (a stepping statement would hold a read lock and block checkpoints).
class StatementUse {
 public:
  explicit StatementUse(Statement& s) : s_(s) {}
  ~StatementUse() { s_.Reset(); }
  Statement* operator->() { return &s_; }
  Statement& operator*() { return s_; }

 private:
  Statement& s_;
};

// A connection. Used by one thread at a time (the pool hands it out); not thread-safe by itself.
// openpal's store says what it is in its header (PRAGMA application_id, "opal"): any other database is refused
// before a byte of it changes.
inline constexpr int64_t kOpenpalApplicationId = 0x6f70616c;
// How long a connection waits for another's lock (PRAGMA busy_timeout), in milliseconds.
inline constexpr int kBusyTimeoutMs = 10000;

class Connection {
 public:
  // Opens `path` (creating it unless `read_only`), checks that it is openpal's store (CheckStoreIdentity) before
  // anything is written, and applies the per-connection PRAGMAs (WAL, synchronous=FULL, foreign keys, busy timeout,
  // cache size). A read-only connection changes nothing persistent (it neither creates the file nor switches to WAL).
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only = false);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The cached prepared statement for `sql` (prepared on first use), or the preparation error.
  Result<Statement*> Prepare(const std::string& sql);
  // Runs one or more statements without results (DDL, BEGIN/COMMIT).
  Status Exec(const std::string& sql);
  // Runs `sql` (no parameters) and returns the first column of the first row as an integer (nullopt if no row or NULL).
  Result<std::optional<int64_t>> QueryInt(const std::string& sql);

  // Whether the pool may hand this connection out again (ConnectionPool): always, it keeps nothing per use.
  bool Recycle() { return true; }

  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

// A transaction on a connection: BEGIN (IMMEDIATE for writers) now, ROLLBACK on destruction unless committed.
// Whether the database behind `c` is openpal's store: its application_id, or an empty database (a new store), or a
// store written before the ID was set (openpal's tables, a schema version). Error Corruption otherwise, naming
// `path`; reads only.
Status CheckStoreIdentity(Connection& c, const std::string& path);

class Transaction {
 public:
  enum class Mode { kRead, kWrite };
  // Starts it; check `status()` before use.
  Transaction(Connection& c, Mode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  const Status& status() const { return begin_status_; }
  // COMMITs; after success the destructor does nothing. On failure the destructor rolls back.
  Status Commit();

 private:
  Connection& c_;
  Status begin_status_;
  bool open_ = false;
};

}  // namespace openpal::sqlite
