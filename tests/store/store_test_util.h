// Helpers for the store tests: a fresh store per test on each backend (SQLite in a temporary directory, PostgreSQL
// in a fresh database of the test server), removed afterwards. One suite, run against both (INSTANTIATE_BACKENDS).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "../pg/pg_test_db.h"
#include "core/time.h"
#include "store/open_store.h"
#include "store/store.h"

namespace openpal::testing {

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// Runs a parameterised suite on both backends; test names end in /Sqlite or /Postgres (ctest runs the /Postgres ones
// with the PostgreSQL fixture).
#define INSTANTIATE_BACKENDS(Suite)                                                                        \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                                \
                           ::testing::Values(::openpal::testing::Backend::kSqlite,                        \
                                             ::openpal::testing::Backend::kPostgres),                     \
                           ::openpal::testing::BackendName)

// A fresh store on the backend of the test's parameter; the store is opened on construction.
class TempStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/openpal-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/openpal.db";
    if (postgres()) {
      pg_ = std::make_unique<TestDatabase>();
      OPENPAL_REQUIRE_PG(*pg_);
      db_ = pg_->uri();
    } else {
      db_ = path_;
    }
    auto s = OpenStore(db_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    pg_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  bool postgres() const { return GetParam() == Backend::kPostgres; }

  // Opens the same store again (another process would).
  Result<std::unique_ptr<Store>> Reopen() { return OpenStore(db_); }

  // Runs `sql` on a separate raw connection (sqlite3 or libpq); returns SQLite's result code, PostgreSQL's errors
  // mapped to it (a trigger's RAISE or a constraint: SQLITE_CONSTRAINT; anything else: SQLITE_ERROR), and fills
  // `error`.
  int RawExec(const std::string& sql, std::string* error = nullptr) {
    if (postgres()) {
      std::string state = PgExec(db_, sql, error);
      if (state.empty()) return SQLITE_OK;
      if (state == "P0001" || state.rfind("23", 0) == 0) return SQLITE_CONSTRAINT;
      return SQLITE_ERROR;
    }
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_busy_timeout(db, 5000);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    if (error) *error = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    return rc;
  }

  std::string dir_;
  std::string path_;  // the SQLite file (unused on PostgreSQL)
  std::string db_;    // what --db would say: the file or the URI
  std::unique_ptr<TestDatabase> pg_;
  std::unique_ptr<Store> store_;
};

// 2026-01-01T00:00:00Z plus `days` days.
inline Timestamp Day(int days) { return Timestamp::FromSeconds(1767225600LL + days * 86400LL); }

}  // namespace openpal::testing
