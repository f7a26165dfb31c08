// Migrations of the SQLite store. Each step is frozen once released: change the schema by appending a step.
#include "store/sqlite/schema.h"
#include "store/sqlite/runs_schema.h"

#include <string>
#include <utility>
#include <vector>

namespace openpal::sqlite {
namespace {

// Triggers that make a fact table append-only: no DELETE, no UPDATE of anything but valid_to, and valid_to
// only once, from NULL (open) to an end no earlier than the start. The database enforces the history's
// rules itself, so no bug above it (or a hand-run sqlite3 session) can rewrite the past.
std::string FactTableTriggers(const std::string& table, const std::string& immutable_columns) {
  return "CREATE TRIGGER " + table + "_no_delete BEFORE DELETE ON " + table +
         " BEGIN SELECT RAISE(ABORT, 'history is append-only: rows of " + table + " are never deleted'); END;\n" +
         "CREATE TRIGGER " + table + "_no_rewrite BEFORE UPDATE OF " + immutable_columns + " ON " + table +
         " BEGIN SELECT RAISE(ABORT, 'history is append-only: only valid_to of " + table +
         " may be set, once'); END;\n" + "CREATE TRIGGER " + table + "_end_once BEFORE UPDATE OF valid_to ON " +
         table +
         " WHEN OLD.valid_to IS NOT NULL OR NEW.valid_to IS NULL OR NEW.valid_to < OLD.valid_from"
         " BEGIN SELECT RAISE(ABORT, 'history is append-only: valid_to of " +
         table + " is set once, from NULL to a time >= valid_from'); END;\n";
}

// Triggers that make a log table insert-only.
std::string InsertOnlyTriggers(const std::string& table) {
  return "CREATE TRIGGER " + table + "_no_delete BEFORE DELETE ON " + table +
         " BEGIN SELECT RAISE(ABORT, '" + table + " is append-only: rows are never deleted'); END;\n" +
         "CREATE TRIGGER " + table + "_no_update BEFORE UPDATE ON " + table + " BEGIN SELECT RAISE(ABORT, '" +
         table + " is append-only: rows are never changed'); END;\n";
}

// One fact table: the columns every fact has, then the kind's own.
std::string FactTable(const std::string& table, const std::string& own_columns, const std::string& own_names) {
  return "CREATE TABLE " + table +
         " (\n"
         "  id INTEGER PRIMARY KEY,\n"
         "  tenant TEXT NOT NULL,\n"
         "  fact_key TEXT NOT NULL,\n"
         "  valid_from INTEGER NOT NULL,\n"
         "  valid_to INTEGER CHECK (valid_to IS NULL OR valid_to >= valid_from),\n" +
         own_columns + ");\n" + "CREATE INDEX " + table + "_open ON " + table +
         " (tenant, id) WHERE valid_to IS NULL;\n" +
         // LoadFacts of one tenant over a window. A snapshot's rows share valid_from, so inserts land at the
         // end of each tenant's range: cheap even for a million rows.
         "CREATE INDEX " + table + "_window ON " + table + " (tenant, valid_from);\n" +
         FactTableTriggers(table, "id, tenant, fact_key, valid_from, " + own_names);
}

// Version 1: the fact tables, observations, snapshots, link events and settings.
std::string SchemaV1() {
  std::string sql;
  sql += FactTable("tenants", "display_name TEXT NOT NULL, default_domain TEXT NOT NULL",
                   "display_name, default_domain");
  sql += FactTable("principals",
                   "object_id TEXT NOT NULL, kind TEXT NOT NULL, user_type TEXT NOT NULL, sp_type TEXT NOT NULL,"
                   " display_name TEXT NOT NULL, sign_in_name TEXT NOT NULL, enabled INTEGER NOT NULL",
                   "object_id, kind, user_type, sp_type, display_name, sign_in_name, enabled");
  sql += "CREATE INDEX principals_by_object ON principals (tenant, object_id, valid_from);\n";
  sql += FactTable("group_memberships", "group_id TEXT NOT NULL, member_id TEXT NOT NULL, member_kind TEXT NOT NULL",
                   "group_id, member_id, member_kind");
  sql += "CREATE INDEX group_memberships_by_member ON group_memberships (tenant, member_id);\n";
  sql += FactTable("subscriptions",
                   "subscription_id TEXT NOT NULL, display_name TEXT NOT NULL, parent_group_id TEXT NOT NULL,"
                   " parent_group_key TEXT NOT NULL",
                   "subscription_id, display_name, parent_group_id, parent_group_key");
  sql += "CREATE INDEX subscriptions_by_id ON subscriptions (subscription_id, valid_from);\n";
  sql += FactTable("management_groups",
                   "group_id TEXT NOT NULL, group_key TEXT NOT NULL, display_name TEXT NOT NULL,"
                   " parent_group_id TEXT NOT NULL, parent_group_key TEXT NOT NULL",
                   "group_id, group_key, display_name, parent_group_id, parent_group_key");
  sql += "CREATE INDEX management_groups_by_key ON management_groups (tenant, group_key);\n";
  sql += FactTable("custom_roles", "role_guid TEXT NOT NULL, role_name TEXT NOT NULL", "role_guid, role_name");
  sql += FactTable("role_assignments",
                   "assignment_name TEXT NOT NULL, scope TEXT NOT NULL, scope_key TEXT NOT NULL,"
                   " scope_hash INTEGER NOT NULL, principal_id TEXT NOT NULL, principal_type TEXT NOT NULL,"
                   " role_guid TEXT NOT NULL, role_name TEXT NOT NULL",
                   "assignment_name, scope, scope_key, scope_hash, principal_id, principal_type, role_guid,"
                   " role_name");
  // (tenant, scope_key) is indexed through a 64-bit hash of the pair: an index of 8-byte keys instead of
  // ~170-byte strings is a fraction of the size and of the comparisons, which decides the speed of a
  // million-row import. Lookups check tenant and scope_key too, so a collision costs a row read, not a wrong answer.
  sql += "CREATE INDEX role_assignments_by_scope ON role_assignments (scope_hash);\n";
  sql += FactTable("lighthouse_authorizations",
                   "assignment_id TEXT NOT NULL, scope TEXT NOT NULL, scope_key TEXT NOT NULL,"
                   " scope_hash INTEGER NOT NULL, managing_tenant_id TEXT NOT NULL, principal_id TEXT NOT NULL,"
                   " principal_display_name TEXT NOT NULL, role_guid TEXT NOT NULL, eligible INTEGER NOT NULL",
                   "assignment_id, scope, scope_key, scope_hash, managing_tenant_id, principal_id,"
                   " principal_display_name, role_guid, eligible");
  sql += "CREATE INDEX lighthouse_by_scope ON lighthouse_authorizations (scope_hash);\n";
  sql += FactTable("partners",
                   "partner_id TEXT NOT NULL, partner_name TEXT NOT NULL, level TEXT NOT NULL,"
                   " global_partner_id TEXT NOT NULL, state TEXT NOT NULL, partner_tenant_id TEXT NOT NULL",
                   "partner_id, partner_name, level, global_partner_id, state, partner_tenant_id");
  sql += "CREATE INDEX partners_by_id ON partners (partner_id, valid_from);\n";
  sql += "CREATE INDEX partners_by_global ON partners (global_partner_id, valid_from);\n";
  sql += FactTable("partner_links",
                   "object_id TEXT NOT NULL, partner_id TEXT NOT NULL,"
                   " source TEXT NOT NULL CHECK (source IN ('api', 'import')),"
                   " created_time INTEGER NOT NULL, version INTEGER NOT NULL",
                   "object_id, partner_id, source, created_time, version");
  sql += "CREATE INDEX partner_links_by_object ON partner_links (tenant, object_id, valid_from);\n";

  // Which snapshot showed which tenant's file of which kind: the "previous observation" of the import rules.
  sql +=
      "CREATE TABLE observations (tenant TEXT NOT NULL, kind TEXT NOT NULL, as_of INTEGER NOT NULL,"
      " PRIMARY KEY (tenant, kind, as_of)) WITHOUT ROWID;\n";
  sql += InsertOnlyTriggers("observations");
  // The import log; one row per (tenant, asOf, source), so importing a snapshot twice adds nothing.
  sql +=
      "CREATE TABLE snapshots (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, as_of INTEGER NOT NULL,"
      " source TEXT NOT NULL, UNIQUE (tenant, as_of, source));\n";
  sql += InsertOnlyTriggers("snapshots");
  // Every change made through the link API; (tenant, object_id, version) unique makes a lost update impossible.
  sql +=
      "CREATE TABLE link_events (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, object_id TEXT NOT NULL,"
      " version INTEGER NOT NULL, action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),"
      " partner_id TEXT NOT NULL, at INTEGER NOT NULL, created_time INTEGER NOT NULL, request_id TEXT NOT NULL,"
      " UNIQUE (tenant, object_id, version));\n";
  sql += InsertOnlyTriggers("link_events");
  sql += "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n";
  sql += InsertOnlyTriggers("settings");
  return sql;
}

// Version 3: observations are recorded per snapshot file ("users.json"), not per fact kind ("principal"):
// users.json, servicePrincipals.json and groups.json are three kinds of the history rules. Rows written by
// versions 1-2 are carried over: each kind's file for the 1:1 kinds; "groupMembership" (recorded exactly
// when groups.json was present) gives groups.json; "principal" was recorded when any of the three Graph files
// was, so it gives users.json and servicePrincipals.json — the best that old history knows (docs/store.md).
std::string ObservationsPerFileV3() {
  std::string sql;
  const std::pair<const char*, const char*> kCarried[] = {
      {"tenant", "tenant.json"},
      {"principal", "users.json"},
      {"principal", "servicePrincipals.json"},
      {"groupMembership", "groups.json"},
      {"subscription", "subscriptions.json"},
      {"managementGroup", "managementGroups.json"},
      {"customRole", "roleDefinitions.json"},
      {"roleAssignment", "roleAssignments.json"},
      {"lighthouseAuthorization", "registrationAssignments.json"},
      {"partnerLink", "partnerLinks.json"},
      {"partner", "partners.csv"},
  };
  for (const auto& [kind, file] : kCarried)
    sql += std::string("INSERT OR IGNORE INTO observations (tenant, kind, as_of) SELECT tenant, '") + file +
           "', as_of FROM observations WHERE kind = '" + kind + "';\n";
  return sql;
}

// Version 4: the scope indexes go. They served only point lookups of assignments and Lighthouse authorizations by
// scope, which nothing but tests asked: attribution and explain read every fact once into the engine's directory
// index. Every import paid for them (a B-tree insert per row). The scope_key and scope_hash columns stay (the
// append-only triggers name every column, so dropping them would mean rebuilding each table) and are still written.
std::string DropScopeIndexesV4() {
  return "DROP INDEX IF EXISTS role_assignments_by_scope;\n"
         "DROP INDEX IF EXISTS lighthouse_by_scope;\n";
}

// Version 5: the directory's identity and version (Store::CurrentDirectoryVersion) in a table of one row (settings
// are append-only): an ID drawn once, and a number every fact-changing commit raises (kBumpDirectoryVersionSql).
// Idempotent, like every step: a store whose user_version was set back re-runs it.
std::string DirectoryVersionV5() {
  return "CREATE TABLE IF NOT EXISTS directory_version (id INTEGER PRIMARY KEY CHECK (id = 1), store_id TEXT NOT NULL,"
         " version INTEGER NOT NULL);\n"
         "INSERT OR IGNORE INTO directory_version (id, store_id, version) VALUES (1, lower(hex(randomblob(16))), 0);\n"
         "CREATE TRIGGER IF NOT EXISTS directory_version_no_delete BEFORE DELETE ON directory_version"
         " BEGIN SELECT RAISE(ABORT, 'directory_version has exactly one row'); END;\n";
}

struct Migration {
  int version;
  std::string (*sql)();
};

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kSteps = {
      {1, &SchemaV1},
      {2, &RunsSchemaV2},  // saved attribution runs (runs.cc, docs/reports.md)
      {3, &ObservationsPerFileV3},
      {4, &DropScopeIndexesV4},
      {5, &DirectoryVersionV5},  // compiled directory index staleness (docs/index-format.md)
  };
  return kSteps;
}

}  // namespace

int LatestSchemaVersion() { return Migrations().back().version; }

Status Migrate(Connection& c) {
  for (const Migration& step : Migrations()) {
    // Each step re-reads the version inside its write transaction: another process may have migrated meanwhile.
    Transaction tx(c, Transaction::Mode::kWrite);
    if (!tx.status().ok()) return tx.status().WithContext("schema migration");
    auto current = c.QueryInt("PRAGMA user_version");
    if (!current.ok()) return current.status();
    int64_t have = current->value_or(0);
    if (have > LatestSchemaVersion()) {
      return Status::Error(StatusCode::kFailedPrecondition,
                           "the store has schema version " + std::to_string(have) +
                               ", newer than this binary understands (" + std::to_string(LatestSchemaVersion()) +
                               "); use a newer openpal",
                           sqlite3_db_filename(c.raw(), "main"));
    }
    if (have >= step.version) continue;
    if (have != step.version - 1)
      return Status::Error(StatusCode::kIoError, "the store's schema version " + std::to_string(have) +
                                             " has no migration path to " + std::to_string(step.version));
    Status s = c.Exec(step.sql());
    if (!s.ok()) return s.WithContext("schema migration to version " + std::to_string(step.version));
    s = c.Exec("PRAGMA user_version=" + std::to_string(step.version));
    if (!s.ok()) return s;
    s = tx.Commit();
    if (!s.ok()) return s;
  }
  // Stamp the store as openpal's (new stores, and stores written before the ID existed), so that it is recognised.
  auto app = c.QueryInt("PRAGMA application_id");
  if (!app.ok()) return app.status();
  if (app->value_or(0) != kOpenpalApplicationId) {
    Transaction tx(c, Transaction::Mode::kWrite);
    if (!tx.status().ok()) return tx.status().WithContext("setting the application ID");
    if (Status s = c.Exec("PRAGMA application_id=" + std::to_string(kOpenpalApplicationId)); !s.ok()) return s;
    if (Status s = tx.Commit(); !s.ok()) return s;
  }
  return Status::Ok();
}

Status CheckSchemaForReading(Connection& c) {
  auto current = c.QueryInt("PRAGMA user_version");
  if (!current.ok()) return current.status();
  const int64_t have = current->value_or(0);
  const std::string path = sqlite3_db_filename(c.raw(), "main");
  if (have == LatestSchemaVersion()) return Status::Ok();
  if (have == 0)
    return Status::Error(StatusCode::kFailedPrecondition,
                         "the database holds no openpal store yet: import a snapshot first (pal import SNAPSHOT_DIR "
                         "--db " + path + ")",
                         path);
  if (have > LatestSchemaVersion())
    return Status::Error(StatusCode::kFailedPrecondition,
                         "the store has schema version " + std::to_string(have) +
                             ", newer than this binary understands (" + std::to_string(LatestSchemaVersion()) +
                             "); use a newer openpal",
                         path);
  return Status::Error(StatusCode::kFailedPrecondition,
                       "the store has schema version " + std::to_string(have) + " and this binary uses " +
                           std::to_string(LatestSchemaVersion()) +
                           "; a command that only reads does not upgrade it: run one that writes first (pal import, "
                           "pal attribute --save or pal serve upgrade it)",
                       path);
}

}  // namespace openpal::sqlite
