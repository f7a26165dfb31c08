// A thin RAII layer over libpq: one connection with its prepared statements, results, COPY, transactions.
// Every wait on the server is bounded (a deadline per call), so a stopped or locked database is an error, not a hang.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace openpal::pg {

// Owns a PGresult.
struct ResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultFree>;

// The rows of a successful statement, read as text (libpq's text format). Row and column indexes are 0-based.
class Rows {
 public:
  Rows() = default;
  explicit Rows(ResultPtr r) : r_(std::move(r)) {}
  int size() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string Text(int row, int col) const {
    return std::string(PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col)));
  }
  int64_t Int(int row, int col) const;
  bool Bool(int row, int col) const { return PQgetvalue(r_.get(), row, col)[0] == 't'; }
  // A NULL end column reads as Timestamp::Max() (the store keeps open ends as NULL).
  Timestamp End(int row, int col) const { return IsNull(row, col) ? Timestamp::Max() : Timestamp{Int(row, col)}; }
  // Rows affected by an INSERT/UPDATE/DELETE.
  int64_t Affected() const;

 private:
  ResultPtr r_;
};

// Parameters of one statement, all sent as text (NULL when absent).
class Params {
 public:
  Params& Text(std::string_view s) { v_.emplace_back(std::string(s)); return *this; }
  Params& Int(int64_t i) { v_.emplace_back(std::to_string(i)); return *this; }
  Params& Bool(bool b) { v_.emplace_back(b ? "t" : "f"); return *this; }
  Params& Null() { v_.emplace_back(std::nullopt); return *this; }
  // Timestamp::Max() (open-ended) is NULL.
  Params& End(Timestamp t) { return t == Timestamp::Max() ? Null() : Int(t.micros); }
  const std::vector<std::optional<std::string>>& values() const { return v_; }

 private:
  std::vector<std::optional<std::string>> v_;
};

// How long one call may wait for the server before the connection is given up (and the call is Unavailable).
inline constexpr std::chrono::milliseconds kDefaultCallTimeout{15000};

// The Status for a failed statement or connection: code by SQLSTATE (docs/store.md "PostgreSQL"): refusals by the
// history's triggers and constraints are FailedPrecondition, bad data InvalidArgument, a lock or statement timeout
// Busy, a lost or refused connection Unavailable, anything else IoError. `doing` says what was being done.
Status PgError(PGconn* conn, const PGresult* result, std::string_view doing);

// A connection. Used by one thread at a time (the pool hands it out); not thread-safe by itself.
class Connection {
 public:
  // Connects to `uri` (a libpq connection URI or key=value string) within the call timeout, then applies the
  // session settings (UTC, lock_timeout; read-only sessions refuse writes). Unavailable when the server cannot be
  // reached.
  static Result<std::unique_ptr<Connection>> Open(const std::string& uri, bool read_only = false);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` with `params` as a prepared statement (prepared on first use on this connection, then reused).
  Result<Rows> Exec(const std::string& sql, const Params& params = {});
  // Runs one or more statements without parameters or results (DDL, BEGIN/COMMIT, SET).
  Status Run(const std::string& sql);
  // Runs `copy_sql` (COPY ... FROM STDIN) and sends `data`, in COPY text format.
  Status CopyIn(const std::string& copy_sql, std::string_view data);

  // The deadline of each later call (0 = none: a bulk import may run long).
  void set_call_timeout(std::chrono::milliseconds t) { timeout_ = t; }
  // Whether the connection is still usable (not lost, not left inside a transaction).
  bool Reusable() const;
  // Whether the pool may hand this connection out again (ConnectionPool): if Reusable, with the call timeout reset
  // to the default (a bulk read may have lifted it).
  bool Recycle() {
    if (!Reusable()) return false;
    timeout_ = kDefaultCallTimeout;
    return true;
  }
  PGconn* raw() const { return conn_; }

 private:
  explicit Connection(PGconn* c) : conn_(c) {}
  // Waits for the result of what was sent, within the deadline; on timeout cancels it and gives the connection up.
  Result<ResultPtr> Await(std::string_view doing);
  Status Flush(std::string_view doing);
  bool WaitSocket(bool for_write, std::chrono::steady_clock::time_point deadline);

  PGconn* conn_;
  bool broken_ = false;
  std::chrono::milliseconds timeout_ = kDefaultCallTimeout;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

// A transaction: BEGIN now, ROLLBACK on destruction unless committed. `begin` may say more ("BEGIN ISOLATION LEVEL
// REPEATABLE READ READ ONLY").
class Transaction {
 public:
  explicit Transaction(Connection& c, const char* begin = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  const Status& status() const { return begin_status_; }
  Status Commit();

 private:
  Connection& c_;
  Status begin_status_;
  bool open_ = false;
};

// Appends `s` to a COPY text-format line, escaped (backslash, tab, newline, carriage return).
void AppendCopyField(std::string& line, std::string_view s);

}  // namespace openpal::pg
