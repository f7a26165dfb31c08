// Helpers for the store tests: a fresh database in a temporary directory, removed afterwards.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/time.h"
#include "store/store.h"

namespace openpal::testing {

// A temporary directory holding one store file; the store is opened on construction.
class TempStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/openpal-store-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/openpal.db";
    auto s = OpenSqliteStore(path_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Runs `sql` on a separate raw sqlite3 connection; returns SQLite's result code and fills `error`.
  int RawExec(const std::string& sql, std::string* error = nullptr) {
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
  std::string path_;
  std::unique_ptr<Store> store_;
};

// 2026-01-01T00:00:00Z plus `days` days.
inline Timestamp Day(int days) { return Timestamp::FromSeconds(1767225600LL + days * 86400LL); }

}  // namespace openpal::testing
