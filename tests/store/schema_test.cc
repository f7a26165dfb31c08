// The store's schema and its guarantees: migrations, append-only history enforced by the database,
// transactions that roll back, and crash safety.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store_test_util.h"

namespace openpal::testing {
namespace {

class SchemaTest : public TempStoreTest {};

Principal Alice() {
  Principal p;
  p.tenant_id = "11111111-1111-1111-1111-111111111111";
  p.object_id = "aaaaaaaa-0000-0000-0000-000000000001";
  p.display_name = "Alice";
  p.sign_in_name = "alice@contoso.example";
  p.user_type = UserType::kMember;
  return p;
}

int64_t InsertAlice(Store& store, Interval valid = {Day(0), Timestamp::Max()}) {
  auto tx = store.BeginImport();
  EXPECT_TRUE(tx.ok()) << tx.status().ToString();
  auto id = (*tx)->Insert(Alice(), valid);
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_TRUE((*tx)->Commit().ok());
  return id.ok() ? *id : 0;
}

TEST_P(SchemaTest, FreshDatabaseIsAtTheLatestVersionInWalMode) {
  if (postgres()) {
    // PostgreSQL's own numbering (docs/store.md "PostgreSQL"): version 1 is the SQLite store's version 4, version 2
    // its version 5 (the directory version).
    EXPECT_EQ(PgQuery(db_, "SELECT max(version) FROM openpal_schema"), "2");
    EXPECT_EQ(store_->Describe(), db_) << "no password in it to hide";
    return;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  // 2 added saved runs (docs/reports.md), 3 observations per file, 4 dropped the scope indexes, 5 the directory
  // version (docs/index-format.md)
  EXPECT_EQ(sqlite3_column_int(st, 0), 5);
  sqlite3_finalize(st);
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_EQ(store_->Describe(), path_);
}

TEST_P(SchemaTest, TheDirectoryVersionGrowsWithEveryFactCommitAndSurvivesReopening) {
  auto before = store_->CurrentDirectoryVersion();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->store_id.size(), 32u);
  InsertAlice(*store_);
  auto after = store_->CurrentDirectoryVersion();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->store_id, before->store_id);
  EXPECT_GT(after->version, before->version);
  store_.reset();
  auto again = Reopen();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto reopened = (*again)->CurrentDirectoryVersion();
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(reopened->store_id, after->store_id);  // comparable across processes, unlike ChangeCounter
  EXPECT_EQ(reopened->version, after->version);
}

// Replicas on one database (or processes on one file) write at once: every committed change raises the version by
// exactly one, whichever store object committed it, and a change that decided nothing raises nothing.
TEST_P(SchemaTest, TheDirectoryVersionCountsEveryCommitOfConcurrentWriters) {
  auto other = Reopen();  // a second replica on the same store
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  auto before = store_->CurrentDirectoryVersion();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  constexpr int kThreads = 4, kChanges = 10;
  std::vector<std::thread> writers;
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t)
    writers.emplace_back([&, t] {
      Store& through = t % 2 ? **other : *store_;
      for (int i = 0; i < kChanges; ++i) {
        // Principals of their own (the common case: no wait on one another) plus one shared by every thread.
        const std::string object = i % 3 == 0 ? "aaaaaaaa-0000-0000-0000-0000000000ff"
                                              : "aaaaaaaa-0000-0000-0000-0000000" + std::to_string(100 + t * 10 + i);
        auto s = through.ChangeLink(Alice().tenant_id, object, Day(1 + i), "r", [](const LinkState& st) {
          return st.current ? LinkDecision{LinkDecision::Action::kDelete, ""}
                            : LinkDecision{LinkDecision::Action::kCreate, "1234567"};
        });
        if (!s.ok()) ++failed;
      }
    });
  for (auto& w : writers) w.join();
  ASSERT_EQ(failed, 0);
  auto none = store_->ChangeLink(Alice().tenant_id, Alice().object_id, Day(20), "r",
                                 [](const LinkState&) { return LinkDecision{}; });
  ASSERT_TRUE(none.ok());
  auto after = (*other)->CurrentDirectoryVersion();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->store_id, before->store_id);
  EXPECT_EQ(after->version, before->version + kThreads * kChanges);
}

TEST_P(SchemaTest, ReopeningKeepsTheDataAndDoesNotMigrateAgain) {
  int64_t id = InsertAlice(*store_);
  store_.reset();
  auto again = Reopen();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto facts = (*again)->LoadFacts(FactKind::kPrincipal, Interval{Timestamp::Min(), Timestamp::Max()});
  ASSERT_TRUE(facts.ok());
  ASSERT_EQ(facts->size(), 1u);
  EXPECT_EQ(facts->front().id, id);
}

TEST_P(SchemaTest, Version3CarriesObservationsOfFactKindsOverToTheirFiles) {
  // A version-2 store recorded observations per fact kind; version 3 records them per file.
  if (postgres()) GTEST_SKIP() << "SQLite's migration 3: the PostgreSQL schema began at per-file observations";
  store_.reset();
  const std::string t = "'" + Alice().tenant_id + "'";
  for (const auto& [kind, day] : std::vector<std::pair<std::string, int>>{
           {"principal", 1}, {"principal", 5}, {"groupMembership", 3}, {"roleAssignment", 4}, {"partner", 2}}) {
    std::string tenant = kind == "partner" ? "''" : t;
    ASSERT_EQ(RawExec("INSERT INTO observations (tenant, kind, as_of) VALUES (" + tenant + ", '" + kind + "', " +
                      std::to_string(Day(day).micros) + ")"),
              SQLITE_OK);
  }
  ASSERT_EQ(RawExec("PRAGMA user_version=2"), SQLITE_OK);
  auto again = OpenSqliteStore(path_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto tx = (*again)->BeginImport();
  ASSERT_TRUE(tx.ok());
  auto last = [&](const TenantId& tenant, SnapshotFile file) -> std::optional<Timestamp> {
    auto r = (*tx)->LastObservation(tenant, file);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  };
  EXPECT_EQ(last(Alice().tenant_id, SnapshotFile::kUsers), Day(5));
  EXPECT_EQ(last(Alice().tenant_id, SnapshotFile::kServicePrincipals), Day(5));
  EXPECT_EQ(last(Alice().tenant_id, SnapshotFile::kGroups), Day(3)) << "groups.json: when its memberships were";
  EXPECT_EQ(last(Alice().tenant_id, SnapshotFile::kRoleAssignments), Day(4));
  EXPECT_EQ(last("", SnapshotFile::kPartners), Day(2));
  EXPECT_EQ(last(Alice().tenant_id, SnapshotFile::kPartnerLinks), std::nullopt);
}

// Counts the store's indexes named `name` (sqlite_master), through a connection of its own.
int IndexCount(const std::string& path, const std::string& name) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, name.c_str(), -1, SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
  int n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

TEST_P(SchemaTest, Version4DropsTheScopeIndexesAndKeepsTheRows) {
  // A version-3 store had both scope indexes; its role assignments and Lighthouse rows survive the migration.
  if (postgres()) GTEST_SKIP() << "SQLite's migration 4: the PostgreSQL schema never had the scope indexes";
  store_.reset();
  ASSERT_EQ(RawExec("CREATE INDEX role_assignments_by_scope ON role_assignments (scope_hash)"), SQLITE_OK);
  ASSERT_EQ(RawExec("CREATE INDEX lighthouse_by_scope ON lighthouse_authorizations (scope_hash)"), SQLITE_OK);
  ASSERT_EQ(RawExec("PRAGMA user_version=3"), SQLITE_OK);
  ASSERT_EQ(IndexCount(path_, "role_assignments_by_scope"), 1);
  auto again = OpenSqliteStore(path_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  {
    auto tx = (*again)->BeginImport();
    ASSERT_TRUE(tx.ok());
    RoleAssignment a{Alice().tenant_id, "a1", "/subscriptions/S1", Alice().object_id, AssigneeType::kUser, "g",
                     "Reader"};
    ASSERT_TRUE((*tx)->Insert(a, Interval{Day(0), Timestamp::Max()}).ok()) << "rows are written without the index";
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  EXPECT_EQ(IndexCount(path_, "role_assignments_by_scope"), 0);
  EXPECT_EQ(IndexCount(path_, "lighthouse_by_scope"), 0);
  auto rows = (*again)->LoadFacts(FactKind::kRoleAssignment, Interval{Timestamp::Min(), Timestamp::Max()});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 1u);
}

// PostgreSQL's migration 2 on a store made by a binary of version 1: the directory version appears, at 0, with a store
// ID of its own, and the facts already there stay; the next commit raises it. Its rows only move forward.
TEST_P(SchemaTest, Version2AddsTheDirectoryVersionToAnExistingStoreAndGuardsIt) {
  if (!postgres()) GTEST_SKIP() << "PostgreSQL's migration 2 (SQLite's is version 5, made with the table)";
  InsertAlice(*store_);
  store_.reset();
  ASSERT_EQ(RawExec("DROP TABLE directory_version; DROP FUNCTION openpal_directory_version_guard();"
                    " DELETE FROM openpal_schema WHERE version = 2"),
            SQLITE_OK);
  auto read_only = OpenStore(db_, StoreAccess::kReadOnly);
  ASSERT_FALSE(read_only.ok()) << "a command that only reads does not migrate";
  EXPECT_EQ(read_only.status().code(), StatusCode::kFailedPrecondition);
  auto again = Reopen();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(PgQuery(db_, "SELECT max(version) FROM openpal_schema"), "2");
  auto v = (*again)->CurrentDirectoryVersion();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->version, 0u);
  EXPECT_EQ(v->store_id.size(), 32u);
  auto facts = (*again)->LoadFacts(FactKind::kPrincipal, Interval{Timestamp::Min(), Timestamp::Max()});
  ASSERT_TRUE(facts.ok());
  EXPECT_EQ(facts->size(), 1u);
  InsertAlice(**again, {Day(5), Timestamp::Max()});
  auto raised = (*again)->CurrentDirectoryVersion();
  ASSERT_TRUE(raised.ok());
  EXPECT_EQ(raised->version, 1u);
  EXPECT_EQ(RawExec("UPDATE directory_version SET version = 0 WHERE slot = 0"), SQLITE_CONSTRAINT);
  EXPECT_EQ(RawExec("UPDATE directory_version SET store_id = 'x'"), SQLITE_CONSTRAINT);
  EXPECT_EQ(RawExec("DELETE FROM directory_version"), SQLITE_CONSTRAINT);
  EXPECT_EQ(RawExec("TRUNCATE directory_version"), SQLITE_CONSTRAINT);
}

TEST_P(SchemaTest, ADatabaseFromANewerBinaryIsRefusedWithAClearError) {
  store_.reset();
  ASSERT_EQ(RawExec(postgres() ? "INSERT INTO openpal_schema (version) VALUES (99)" : "PRAGMA user_version=99"),
            SQLITE_OK);
  auto s = Reopen();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("99"), std::string::npos) << s.status().message();
}

TEST_P(SchemaTest, AnUnwritableLocationIsAnErrorNotACrash) {
  if (postgres()) {
    // A server that does not answer (nothing listens on port 1) is Unavailable, and the message hides the password.
    auto s = OpenStore("postgresql://openpal:s3cret@127.0.0.1:1/openpal");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), StatusCode::kUnavailable) << s.status().ToString();
    EXPECT_NE(s.status().ToString().find("127.0.0.1:1"), std::string::npos) << s.status().ToString();
    EXPECT_EQ(s.status().ToString().find("s3cret"), std::string::npos) << s.status().ToString();
    return;
  }
  auto s = OpenSqliteStore("/nonexistent-dir-openpal/x/openpal.db");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().ToString().find("/nonexistent-dir-openpal"), std::string::npos) << s.status().ToString();
}

TEST_P(SchemaTest, HistoryRowsCannotBeDeleted) {
  InsertAlice(*store_);
  std::string err;
  EXPECT_EQ(RawExec("DELETE FROM principals", &err), SQLITE_CONSTRAINT);
  EXPECT_NE(err.find("append-only"), std::string::npos) << err;
  // Every table, the logs included, refuses deletion.
  for (const char* table : {"tenants", "group_memberships", "subscriptions", "management_groups", "custom_roles",
                            "role_assignments", "lighthouse_authorizations", "partners", "partner_links",
                            "observations", "snapshots", "link_events", "settings"}) {
    if (postgres()) {
      EXPECT_EQ(PgQuery(db_, std::string("SELECT count(*) FROM pg_trigger WHERE tgrelid = '") + table +
                                 "'::regclass AND NOT tgisinternal AND tgtype & 8 = 8"),
                "1")
          << table << " has no delete trigger";
      continue;
    }
    std::string sql = std::string("SELECT 1 FROM sqlite_master WHERE type='trigger' AND tbl_name='") + table +
                      "' AND name LIKE '%no_delete'";
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    EXPECT_EQ(sqlite3_step(st), SQLITE_ROW) << table << " has no delete trigger";
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
}

TEST_P(SchemaTest, OnlyValidToMayBeSetOnceFromOpenToAnEndNotBeforeTheStart) {
  int64_t id = InsertAlice(*store_, Interval{Day(10), Timestamp::Max()});
  std::string row = " WHERE id = " + std::to_string(id);
  EXPECT_EQ(RawExec("UPDATE principals SET display_name = 'Mallory'" + row), SQLITE_CONSTRAINT);
  EXPECT_EQ(RawExec("UPDATE principals SET valid_from = 0" + row), SQLITE_CONSTRAINT);
  EXPECT_EQ(RawExec("UPDATE principals SET id = 999" + row), SQLITE_CONSTRAINT);
  // An end before the start is refused.
  EXPECT_EQ(RawExec("UPDATE principals SET valid_to = " + std::to_string(Day(9).micros) + row), SQLITE_CONSTRAINT);
  // Setting the end once is the one allowed change...
  EXPECT_EQ(RawExec("UPDATE principals SET valid_to = " + std::to_string(Day(20).micros) + row), SQLITE_OK);
  // ...and it cannot be moved or reopened afterwards.
  EXPECT_EQ(RawExec("UPDATE principals SET valid_to = " + std::to_string(Day(30).micros) + row), SQLITE_CONSTRAINT);
  EXPECT_EQ(RawExec("UPDATE principals SET valid_to = NULL" + row), SQLITE_CONSTRAINT);
  auto p = store_->PrincipalAt(Alice().tenant_id, Alice().object_id, Day(15));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ((*p)->valid.to, Day(20));
  EXPECT_EQ((*p)->value.display_name, "Alice");
}

TEST_P(SchemaTest, LinkEventsAndSettingsAreInsertOnly) {
  ASSERT_TRUE(store_->PutSettingIfAbsent("issuer-key", "k1").ok());
  EXPECT_EQ(RawExec("UPDATE settings SET value = 'k2'"), SQLITE_CONSTRAINT);
  EXPECT_EQ(RawExec("DELETE FROM settings"), SQLITE_CONSTRAINT);
  auto r = store_->ChangeLink("t", "o", Day(1), "req", [](const LinkState&) {
    return LinkDecision{LinkDecision::Action::kCreate, "1234567"};
  });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(RawExec("UPDATE link_events SET partner_id = '7654321'"), SQLITE_CONSTRAINT);
  EXPECT_EQ(RawExec("DELETE FROM link_events"), SQLITE_CONSTRAINT);
}

TEST_P(SchemaTest, CloseEndsAnOpenFactOnceAndRefusesASecondClose) {
  auto tx = store_->BeginImport();
  ASSERT_TRUE(tx.ok());
  auto id = (*tx)->Insert(Alice(), Interval{Day(0), Timestamp::Max()});
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE((*tx)->Close(FactKind::kPrincipal, *id, Day(5)).ok());
  Status again = (*tx)->Close(FactKind::kPrincipal, *id, Day(6));
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE((*tx)->Close(FactKind::kPrincipal, *id + 1000, Day(6)).ok()) << "unknown id";
  ASSERT_TRUE((*tx)->Commit().ok());
  auto open = store_->CountFacts(FactKind::kPrincipal);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->first, 1);
  EXPECT_EQ(open->second, 0);
}

TEST_P(SchemaTest, CloseBeforeTheStartIsRefusedAndInsertOfABackwardIntervalToo) {
  auto tx = store_->BeginImport();
  ASSERT_TRUE(tx.ok());
  auto id = (*tx)->Insert(Alice(), Interval{Day(10), Timestamp::Max()});
  ASSERT_TRUE(id.ok());
  EXPECT_FALSE((*tx)->Close(FactKind::kPrincipal, *id, Day(9)).ok());
  EXPECT_TRUE((*tx)->Close(FactKind::kPrincipal, *id, Day(10)).ok()) << "an end equal to the start is allowed";
  EXPECT_FALSE((*tx)->Insert(Alice(), Interval{Day(10), Day(9)}).ok());
}

TEST_P(SchemaTest, AnImportNotCommittedLeavesNothing) {
  {
    auto tx = store_->BeginImport();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)->Insert(Alice(), Interval{Day(0), Timestamp::Max()}).ok());
    ASSERT_TRUE((*tx)->RecordSnapshot(Alice().tenant_id, Day(0), "snap").ok());
  }  // destroyed without Commit
  auto n = store_->CountFacts(FactKind::kPrincipal);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->first, 0);
  auto tx = store_->BeginImport();  // the write lock was released
  ASSERT_TRUE(tx.ok());
  auto newest = (*tx)->NewestSnapshot(Alice().tenant_id);
  ASSERT_TRUE(newest.ok());
  EXPECT_FALSE(newest->has_value());
}

TEST_P(SchemaTest, UsingAnImportAfterCommitIsAnError) {
  auto tx = store_->BeginImport();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  EXPECT_FALSE((*tx)->Commit().ok());
  EXPECT_FALSE((*tx)->Insert(Alice(), Interval{Day(0), Timestamp::Max()}).ok());
}

TEST_P(SchemaTest, ACrashedWriterLeavesNothingHalfWrittenAndTheStoreOpens) {
  InsertAlice(*store_);
  store_.reset();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child writes a large uncommitted import and dies without cleanup, as a kill -9 would leave it.
    auto s = Reopen();
    if (!s.ok()) _exit(2);
    auto tx = (*s)->BeginImport();
    if (!tx.ok()) _exit(3);
    for (int i = 0; i < 20000; ++i) {
      Principal p = Alice();
      p.object_id = "bbbbbbbb-0000-0000-0000-" + std::to_string(100000000000LL + i);
      if (!(*tx)->Insert(p, Interval{Day(1), Timestamp::Max()}).ok()) _exit(4);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto s = Reopen();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto n = (*s)->CountFacts(FactKind::kPrincipal);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->first, 1) << "only the committed principal remains";
  auto tx = (*s)->BeginImport();  // and the write lock is free again
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  EXPECT_TRUE((*tx)->Commit().ok());
}

TEST_P(SchemaTest, ObservationsAndSnapshotsAnswerTheLatestAsOf) {
  auto tx = store_->BeginImport();
  ASSERT_TRUE(tx.ok());
  const std::string t = Alice().tenant_id;
  ASSERT_TRUE((*tx)->RecordObservation(t, SnapshotFile::kUsers, Day(1)).ok());
  ASSERT_TRUE((*tx)->RecordObservation(t, SnapshotFile::kUsers, Day(3)).ok());
  ASSERT_TRUE((*tx)->RecordObservation(t, SnapshotFile::kUsers, Day(3)).ok()) << "a repeat changes nothing";
  ASSERT_TRUE((*tx)->RecordObservation(t, SnapshotFile::kRoleAssignments, Day(2)).ok());
  ASSERT_TRUE((*tx)->RecordSnapshot(t, Day(3), "snapshots/2026-01-04").ok());
  ASSERT_TRUE((*tx)->RecordSnapshot("", Day(2), "snapshots/2026-01-03").ok());
  auto last = (*tx)->LastObservation(t, SnapshotFile::kUsers);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(**last, Day(3));
  auto ra = (*tx)->LastObservation(t, SnapshotFile::kRoleAssignments);
  ASSERT_TRUE(ra.ok());
  EXPECT_EQ(**ra, Day(2));
  auto none = (*tx)->LastObservation(t, SnapshotFile::kServicePrincipals);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value()) << "users.json and servicePrincipals.json are observed apart";
  auto newest = (*tx)->NewestSnapshot(t);
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(**newest, Day(3));
  auto partners = (*tx)->NewestSnapshot("");
  ASSERT_TRUE(partners.ok());
  EXPECT_EQ(**partners, Day(2));
  ASSERT_TRUE((*tx)->Commit().ok());
}

INSTANTIATE_BACKENDS(SchemaTest);

}  // namespace
}  // namespace openpal::testing
