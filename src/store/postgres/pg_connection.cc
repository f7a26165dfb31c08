// libpq connection, prepared-statement cache, bounded waits, COPY and the transaction guard.
#include "store/postgres/pg_connection.h"

#include <poll.h>

#include <cstdlib>
#include <cstring>

namespace openpal::pg {
namespace {

StatusCode CodeOfSqlState(const char* state) {
  if (!state || std::strlen(state) != 5) return StatusCode::kUnavailable;  // no server answer: the link is gone
  std::string_view s(state);
  if (s.substr(0, 2) == "23" || s == "P0001") return StatusCode::kFailedPrecondition;  // constraints, triggers
  if (s.substr(0, 2) == "22") return StatusCode::kInvalidArgument;                      // data exceptions
  if (s == "55P03" || s == "57014" || s == "40001" || s == "40P01") return StatusCode::kBusy;  // locks, timeouts
  if (s.substr(0, 2) == "08" || s == "57P01" || s == "57P02" || s == "57P03" || s == "53300")
    return StatusCode::kUnavailable;  // connection lost or refused, server shutting down or starting, too many
  return StatusCode::kIoError;
}

std::string Trimmed(const char* msg) {
  std::string m = msg ? msg : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

int64_t Rows::Int(int row, int col) const { return std::strtoll(PQgetvalue(r_.get(), row, col), nullptr, 10); }

int64_t Rows::Affected() const {
  const char* n = r_ ? PQcmdTuples(r_.get()) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

Status PgError(PGconn* conn, const PGresult* result, std::string_view doing) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = result ? Trimmed(PQresultErrorMessage(result)) : std::string();
  if (msg.empty() && conn) msg = Trimmed(PQerrorMessage(conn));
  StatusCode code = CodeOfSqlState(state);
  if (conn && PQstatus(conn) != CONNECTION_OK) code = StatusCode::kUnavailable;
  return Status::Error(code, std::string(doing) + ": " + (msg.empty() ? "no answer from the server" : msg),
                       "postgresql");
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& uri, bool read_only) {
  // connect_timeout bounds the connection itself when the URI does not; keepalives notice a peer that vanished.
  const char* keys[] = {"dbname", "connect_timeout", "keepalives_idle", "application_name", nullptr};
  const char* values[] = {uri.c_str(), "5", "30", "openpal", nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  std::unique_ptr<Connection> c(new Connection(raw));
  if (!raw || PQstatus(raw) != CONNECTION_OK) {
    std::string msg = raw ? Trimmed(PQerrorMessage(raw)) : "out of memory";
    return Status::Error(StatusCode::kUnavailable, "cannot connect to the store: " + msg, "postgresql");
  }
  // UTC and ISO dates for anything printed; lock_timeout turns a lock held elsewhere (a long import, a hand-run
  // LOCK TABLE) into a Busy answer within seconds instead of a request that hangs.
  std::string setup = "SET TIME ZONE 'UTC'; SET lock_timeout = '5s'; SET client_min_messages = warning;";
  if (read_only) setup += " SET default_transaction_read_only = on;";
  if (Status s = c->Run(setup); !s.ok()) return s;
  return c;
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

bool Connection::Reusable() const {
  return !broken_ && conn_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

bool Connection::WaitSocket(bool for_write, std::chrono::steady_clock::time_point deadline) {
  pollfd p{PQsocket(conn_), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  for (;;) {
    int wait_ms = -1;
    if (timeout_.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(left.count());
    }
    int n = ::poll(&p, 1, wait_ms);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

Status Connection::Flush(std::string_view doing) {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    int r = PQflush(conn_);
    if (r == 0) return Status::Ok();
    if (r < 0 || !WaitSocket(true, deadline)) {
      broken_ = true;
      return Status::Error(StatusCode::kUnavailable, std::string(doing) + ": the store did not take the request in time",
                           "postgresql");
    }
  }
}

Result<ResultPtr> Connection::Await(std::string_view doing) {
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  if (Status s = Flush(doing); !s.ok()) return s;
  ResultPtr last;
  for (;;) {
    while (PQisBusy(conn_)) {
      if (!WaitSocket(false, deadline)) {
        // No answer in time (a stopped server, a network gone): cancel what runs and give the connection up; the
        // pool opens a new one on the next call.
        if (PGcancel* cancel = PQgetCancel(conn_)) {
          char err[256];
          PQcancel(cancel, err, sizeof err);
          PQfreeCancel(cancel);
        }
        broken_ = true;
        return Status::Error(StatusCode::kUnavailable,
                             std::string(doing) + ": no answer from the store within " +
                                 std::to_string(timeout_.count()) + " ms",
                             "postgresql");
      }
      if (!PQconsumeInput(conn_)) {
        broken_ = true;
        return PgError(conn_, nullptr, doing);
      }
    }
    PGresult* r = PQgetResult(conn_);
    if (!r) break;
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) return ResultPtr(r);
    // Keep the first error, or else the last result.
    if (!last || PQresultStatus(last.get()) == PGRES_COMMAND_OK || PQresultStatus(last.get()) == PGRES_TUPLES_OK)
      last.reset(r);
    else
      PQclear(r);
  }
  if (!last) {
    broken_ = PQstatus(conn_) != CONNECTION_OK;
    return PgError(conn_, nullptr, doing);
  }
  return last;
}

Result<Rows> Connection::Exec(const std::string& sql, const Params& params) {
  const std::string doing = "running \"" + sql.substr(0, 80) + "\"";
  if (broken_) return Status::Error(StatusCode::kUnavailable, doing + ": the connection was given up", "postgresql");
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size() + 1);
    if (!PQsendPrepare(conn_, name.c_str(), sql.c_str(), 0, nullptr)) return PgError(conn_, nullptr, doing);
    auto r = Await(doing);
    if (!r.ok()) return r.status();
    if (PQresultStatus(r->get()) != PGRES_COMMAND_OK) return PgError(conn_, r->get(), "preparing: " + doing);
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  const auto& v = params.values();
  std::vector<const char*> values(v.size());
  std::vector<int> lengths(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    values[i] = v[i] ? v[i]->c_str() : nullptr;
    lengths[i] = v[i] ? static_cast<int>(v[i]->size()) : 0;
  }
  if (!PQsendQueryPrepared(conn_, it->second.c_str(), static_cast<int>(v.size()), values.data(), lengths.data(),
                           nullptr, 0))
    return PgError(conn_, nullptr, doing);
  auto r = Await(doing);
  if (!r.ok()) return r.status();
  ExecStatusType st = PQresultStatus(r->get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(conn_, r->get(), doing);
  return Rows(std::move(r).value());
}

Status Connection::Run(const std::string& sql) {
  const std::string doing = "running \"" + sql.substr(0, 80) + "\"";
  if (broken_) return Status::Error(StatusCode::kUnavailable, doing + ": the connection was given up", "postgresql");
  if (!PQsendQuery(conn_, sql.c_str())) return PgError(conn_, nullptr, doing);
  auto r = Await(doing);
  if (!r.ok()) return r.status();
  ExecStatusType st = PQresultStatus(r->get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(conn_, r->get(), doing);
  return Status::Ok();
}

Status Connection::CopyIn(const std::string& copy_sql, std::string_view data) {
  const std::string doing = "copying into the store (" + copy_sql.substr(0, 60) + ")";
  if (broken_) return Status::Error(StatusCode::kUnavailable, doing + ": the connection was given up", "postgresql");
  if (!PQsendQuery(conn_, copy_sql.c_str())) return PgError(conn_, nullptr, doing);
  auto r = Await(doing);
  if (!r.ok()) return r.status();
  if (PQresultStatus(r->get()) != PGRES_COPY_IN) return PgError(conn_, r->get(), doing);
  // Blocking puts are fine here: the socket is writable unless the server stalls, and a stalled server is caught by
  // the result's deadline below.
  constexpr size_t kChunk = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kChunk) {
    size_t n = std::min(kChunk, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) {
      broken_ = true;
      return PgError(conn_, nullptr, doing);
    }
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) {
    broken_ = true;
    return PgError(conn_, nullptr, doing);
  }
  auto done = Await(doing);
  if (!done.ok()) return done.status();
  if (PQresultStatus(done->get()) != PGRES_COMMAND_OK) return PgError(conn_, done->get(), doing);
  return Status::Ok();
}

Transaction::Transaction(Connection& c, const char* begin) : c_(c) {
  begin_status_ = c_.Run(begin);
  open_ = begin_status_.ok();
}

Transaction::~Transaction() {
  if (open_) c_.Run("ROLLBACK");
}

Status Transaction::Commit() {
  if (!open_) return Status::Error(StatusCode::kIoError, "commit of a transaction that is not open");
  Status s = c_.Run("COMMIT");
  // A failed COMMIT ends the transaction too (PostgreSQL rolls it back); nothing is left to roll back.
  open_ = false;
  return s;
}

void AppendCopyField(std::string& line, std::string_view s) {
  for (char ch : s) {
    switch (ch) {
      case '\\': line += "\\\\"; break;
      case '\t': line += "\\t"; break;
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      default: line += ch;
    }
  }
}

}  // namespace openpal::pg
