// The test run's throwaway PostgreSQL (tests/pg/pg_server.sh, started by a CTest fixture) and a fresh database per
// test. Without a server the PostgreSQL tests skip, saying why; with CI=true they fail instead (never a silent pass).
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>

namespace openpal::testing {

// The URI of the test server's admin database: $OPENPAL_TEST_PG_URI, else the first line of the file named by
// $OPENPAL_TEST_PG_URI_FILE or else of the fixture's file (what pg_server.sh start writes); "" when there is none.
inline std::string TestPgUri() {
  if (const char* uri = std::getenv("OPENPAL_TEST_PG_URI"); uri && *uri) return uri;
  if (const char* file = std::getenv("OPENPAL_TEST_PG_URI_FILE"); file && *file) {
    std::ifstream in(file);
    std::string line;
    if (std::getline(in, line)) return line;
  }
#ifdef OPENPAL_DEFAULT_PG_URI_FILE
  // The fixture's file of this build tree (tests/CMakeLists.txt), so a test run by hand finds a running fixture.
  std::ifstream in(OPENPAL_DEFAULT_PG_URI_FILE);
  std::string line;
  if (std::getline(in, line)) return line;
#endif
  return "";
}

// Whether tests must fail rather than skip when something they need is missing.
inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

// `uri` with its database replaced by `db`.
inline std::string PgUriWithDatabase(const std::string& uri, const std::string& db) {
  size_t scheme = uri.find("://");
  size_t slash = uri.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  size_t query = uri.find('?');
  std::string base = slash == std::string::npos ? uri.substr(0, query) : uri.substr(0, slash);
  std::string rest = query == std::string::npos ? "" : uri.substr(query);
  return base + "/" + db + rest;
}

// Runs `sql` on a new connection to `uri`: "" on success, else the SQLSTATE ("08000" when it could not connect);
// `error` gets the server's message.
inline std::string PgExec(const std::string& uri, const std::string& sql, std::string* error = nullptr) {
  PGconn* c = PQconnectdb(uri.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    if (error) *error = PQerrorMessage(c);
    PQfinish(c);
    return "08000";
  }
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // "does not exist, skipping" is expected
  PGresult* r = PQexec(c, sql.c_str());
  std::string state;
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    state = s ? s : "XX000";
    if (error) *error = PQresultErrorMessage(r);
  } else if (error) {
    *error = "";
  }
  PQclear(r);
  PQfinish(c);
  return state;
}

// The first column of the first row of `sql` on `uri` as text ("" when none or on error).
inline std::string PgQuery(const std::string& uri, const std::string& sql) {
  PGconn* c = PQconnectdb(uri.c_str());
  std::string out;
  if (PQstatus(c) == CONNECTION_OK) {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
    PQclear(r);
  }
  PQfinish(c);
  return out;
}

// A fresh, empty database on the test server, dropped on destruction.
class TestDatabase {
 public:
  // Creates it; check ok(). `why` says what is missing when not ok().
  TestDatabase() {
    admin_ = TestPgUri();
    if (admin_.empty()) {
      why_ = "no PostgreSQL test server: run through ctest (fixture pg_server) or set OPENPAL_TEST_PG_URI";
      return;
    }
    static std::atomic<int> counter{0};
    name_ = "openpal_t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    std::string error;
    PgExec(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    if (!PgExec(admin_, "CREATE DATABASE " + name_ + " TEMPLATE template0", &error).empty()) {
      why_ = "cannot create a test database on " + admin_ + ": " + error;
      name_.clear();
      return;
    }
    uri_ = PgUriWithDatabase(admin_, name_);
  }
  ~TestDatabase() {
    if (!name_.empty()) PgExec(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool ok() const { return !uri_.empty(); }
  const std::string& uri() const { return uri_; }
  const std::string& why() const { return why_; }

 private:
  std::string admin_, name_, uri_, why_;
};

// In a test body or SetUp: skips the test (fails it under CI=true) when `db` could not be made.
#define OPENPAL_REQUIRE_PG(db)                                                        \
  do {                                                                                \
    if (!(db).ok()) {                                                                 \
      if (::openpal::testing::InCi()) FAIL() << (db).why() << " (CI=true: required)"; \
      GTEST_SKIP() << (db).why();                                                     \
    }                                                                                 \
  } while (0)

}  // namespace openpal::testing
