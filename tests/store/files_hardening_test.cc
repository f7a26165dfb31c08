// The store's identity and its first opening (issue 12): another application's SQLite file is refused untouched,
// commands that only read never migrate, and two processes creating one new store both succeed.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/store.h"
#include "store/store_access.h"

namespace openpal::testing {
namespace {

namespace fs = std::filesystem;

class StoreIdentity : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/openpal-identity-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/other.db";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Runs `sql` on a raw connection to path_.
  void Raw(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }
  int64_t RawInt(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }
  std::string Bytes() {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // The folder's file names (a -wal or -shm appearing is a change too).
  std::string Listing() {
    std::string out;
    for (const auto& e : fs::directory_iterator(dir_)) out += e.path().filename().string() + ";";
    return out;
  }
  std::string dir_, path_;
};

TEST_F(StoreIdentity, AnotherApplicationsDatabaseIsRefusedBeforeAByteChanges) {
  Raw("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO accounts VALUES (1, 'x');");
  const std::string bytes = Bytes(), listing = Listing();
  for (StoreAccess access : {StoreAccess::kReadOnly, StoreAccess::kReadWrite}) {
    auto store = OpenSqliteStore(path_, access);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kCorruption) << store.status().ToString();
    EXPECT_NE(store.status().ToString().find(path_), std::string::npos);
  }
  // Before the fix: 21 tables created, WAL switched on, user_version set.
  EXPECT_EQ(Bytes(), bytes);
  EXPECT_EQ(Listing(), listing);
  EXPECT_EQ(RawInt("SELECT count(*) FROM sqlite_master"), 1);
  EXPECT_EQ(RawInt("PRAGMA user_version"), 0);
}

TEST_F(StoreIdentity, ADatabaseWithAnotherApplicationIdIsRefusedEvenWhenEmpty) {
  Raw("PRAGMA application_id=1234;");
  const std::string bytes = Bytes();
  auto store = OpenSqliteStore(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("another application"), std::string::npos) << store.status().ToString();
  EXPECT_EQ(Bytes(), bytes);
}

TEST_F(StoreIdentity, AFileThatIsNotSqliteIsRefusedUntouched) {
  std::ofstream(path_, std::ios::binary) << std::string(4096, 'z');
  auto store = OpenSqliteStore(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("not an SQLite database"), std::string::npos) << store.status().ToString();
  EXPECT_EQ(Bytes(), std::string(4096, 'z'));
}

TEST_F(StoreIdentity, ANewStoreCarriesOpenpalsApplicationId) {
  ASSERT_TRUE(OpenSqliteStore(path_).ok());
  EXPECT_EQ(RawInt("PRAGMA application_id"), 0x6f70616c);
  // And opens again, read-only too.
  ASSERT_TRUE(OpenSqliteStore(path_, StoreAccess::kReadOnly).ok());
}

TEST_F(StoreIdentity, ReadOnlyNeverMigratesAndSaysWhatToRun) {
  // An empty file (as `touch` leaves): read-only refuses it and leaves it empty.
  std::ofstream(path_).close();
  auto empty = OpenSqliteStore(path_, StoreAccess::kReadOnly);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kFailedPrecondition) << empty.status().ToString();
  EXPECT_EQ(fs::file_size(path_), 0u);
  // A store of an older schema: read-only refuses it without upgrading it; a write upgrades it.
  ASSERT_TRUE(OpenSqliteStore(path_).ok());
  Raw("PRAGMA user_version=1;");
  auto old = OpenSqliteStore(path_, StoreAccess::kReadOnly);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(old.status().message().find("pal import"), std::string::npos) << old.status().ToString();
  EXPECT_EQ(RawInt("PRAGMA user_version"), 1);
}

TEST_F(StoreIdentity, AStoreWrittenBeforeTheApplicationIdIsRecognisedAndStampedByAWrite) {
  ASSERT_TRUE(OpenSqliteStore(path_).ok());
  Raw("PRAGMA application_id=0;");
  ASSERT_TRUE(OpenSqliteStore(path_, StoreAccess::kReadOnly).ok());
  EXPECT_EQ(RawInt("PRAGMA application_id"), 0);  // a read stamps nothing
  ASSERT_TRUE(OpenSqliteStore(path_).ok());
  EXPECT_EQ(RawInt("PRAGMA application_id"), 0x6f70616c);
}

TEST_F(StoreIdentity, ProcessesCreatingOneNewStoreAllSucceed) {
  // Before the fix one of them often failed at once with "database is locked" while switching the new file to WAL
  // (SQLite gives up without its busy handler there). 30 rounds of four processes racing on a brand-new file.
  for (int round = 0; round < 30; ++round) {
    const std::string path = dir_ + "/race" + std::to_string(round) + ".db";
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pids[4];
    for (pid_t& pid : pids) {
      pid = ::fork();
      if (pid == 0) {
        ::close(fds[1]);
        char go;
        (void)::read(fds[0], &go, 1);  // both start together
        ::alarm(30);
        auto store = OpenSqliteStore(path);
        if (!store.ok()) {
          std::fprintf(stderr, "round %d: %s\n", round, store.status().ToString().c_str());
          ::_exit(1);
        }
        auto tx = (*store)->BeginImport();
        ::_exit(tx.ok() ? 0 : 2);
      }
    }
    ::close(fds[0]);
    ::close(fds[1]);  // releases both
    for (pid_t pid : pids) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round << ", status " << status;
    }
  }
}

}  // namespace
}  // namespace openpal::testing
