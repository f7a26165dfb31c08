// SqliteStore as a RunStore: saving a run in one transaction, listing runs, reading their rows back.
#include <map>

#include "store/runs.h"
#include "store/sqlite/runs_schema.h"
#include "store/sqlite/sqlite_store.h"

namespace openpal::sqlite {
namespace {

// A saved run is evidence of what was reported: like the history's logs, its rows are never changed or removed.
std::string ImmutableTable(const std::string& table) {
  return "CREATE TRIGGER " + table + "_no_delete BEFORE DELETE ON " + table +
         " BEGIN SELECT RAISE(ABORT, 'saved runs are immutable: rows of " + table + " are never deleted'); END;\n" +
         "CREATE TRIGGER " + table + "_no_update BEFORE UPDATE ON " + table +
         " BEGIN SELECT RAISE(ABORT, 'saved runs are immutable: rows of " + table + " are never changed'); END;\n";
}

Status StepDone(Connection& c, StatementUse& use, const std::string& doing) {
  int rc = use->Step();
  return rc == SQLITE_DONE ? Status::Ok() : SqliteError(c.raw(), rc, doing);
}

}  // namespace

std::string RunsSchemaV2() {
  std::string sql;
  sql +=
      "CREATE TABLE runs (run_id INTEGER PRIMARY KEY AUTOINCREMENT, created INTEGER NOT NULL,"
      " role_policy TEXT NOT NULL, measure TEXT NOT NULL, from_month TEXT NOT NULL, to_month TEXT NOT NULL);\n";
  sql += ImmutableTable("runs");
  sql +=
      "CREATE TABLE run_files (run_id INTEGER NOT NULL REFERENCES runs (run_id), file_index INTEGER NOT NULL,"
      " path TEXT NOT NULL, sha256 TEXT NOT NULL, rows INTEGER NOT NULL, PRIMARY KEY (run_id, file_index))"
      " WITHOUT ROWID;\n";
  sql += "CREATE INDEX run_files_by_path ON run_files (path, run_id);\n";
  sql += ImmutableTable("run_files");
  sql +=
      "CREATE TABLE run_report_rows (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs (run_id),"
      " file_index INTEGER NOT NULL, partner_id TEXT NOT NULL, partner_name TEXT NOT NULL,"
      " customer_tenant_id TEXT NOT NULL, subscription_id TEXT NOT NULL, month TEXT NOT NULL,"
      " currency TEXT NOT NULL, admin_type TEXT NOT NULL, usage_rows INTEGER NOT NULL,"
      " total_cost TEXT NOT NULL, attributed_cost TEXT NOT NULL);\n";
  sql += "CREATE INDEX run_report_rows_by_file ON run_report_rows (run_id, file_index, partner_id);\n";
  sql += ImmutableTable("run_report_rows");
  sql +=
      "CREATE TABLE run_unattributed_rows (id INTEGER PRIMARY KEY,"
      " run_id INTEGER NOT NULL REFERENCES runs (run_id), file_index INTEGER NOT NULL,"
      " customer_tenant_id TEXT NOT NULL, subscription_id TEXT NOT NULL, month TEXT NOT NULL,"
      " currency TEXT NOT NULL, reason TEXT NOT NULL, usage_rows INTEGER NOT NULL, total_cost TEXT NOT NULL);\n";
  sql += "CREATE INDEX run_unattributed_rows_by_file ON run_unattributed_rows (run_id, file_index);\n";
  sql += ImmutableTable("run_unattributed_rows");
  sql +=
      "CREATE TABLE run_reconciliation (run_id INTEGER NOT NULL REFERENCES runs (run_id),"
      " file_index INTEGER NOT NULL, currency TEXT NOT NULL, rows_credited INTEGER NOT NULL,"
      " rows_not_credited INTEGER NOT NULL, rows_rejected INTEGER NOT NULL, read TEXT NOT NULL,"
      " credited TEXT NOT NULL, not_credited TEXT NOT NULL, rejected TEXT NOT NULL, attributed TEXT NOT NULL,"
      " PRIMARY KEY (run_id, file_index, currency)) WITHOUT ROWID;\n";
  sql += ImmutableTable("run_reconciliation");
  return sql;
}

Result<int64_t> SqliteStore::SaveRun(const SavedRun& run) {
  SavedRunRows rows(run);
  return SaveRunFrom(run.info, rows);
}

// The rows are read from `rows` while the transaction is open: it stays one short write (the rows come from local
// temporary files), and nothing but the row being inserted is held in memory.
Result<int64_t> SqliteStore::SaveRunFrom(const RunInfo& info, SavedRowSource& rows) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  Transaction tx(c, Transaction::Mode::kWrite);
  if (!tx.status().ok()) return tx.status().WithContext("saving a run");
  auto st = c.Prepare(
      "INSERT INTO runs (created, role_policy, measure, from_month, to_month) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st.ok()) return st.status();
  {
    StatementUse use(**st);
    use->BindInt(1, info.created.micros);
    use->BindText(2, info.role_policy);
    use->BindText(3, info.measure);
    use->BindText(4, info.from);
    use->BindText(5, info.to);
    Status s = StepDone(c, use, "saving a run");
    if (!s.ok()) return s;
  }
  int64_t id = sqlite3_last_insert_rowid(c.raw());
  st = c.Prepare("INSERT INTO run_files (run_id, file_index, path, sha256, rows) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st.ok()) return st.status();
  for (const RunFile& f : info.files) {
    StatementUse use(**st);
    use->BindInt(1, id);
    use->BindInt(2, f.index);
    use->BindText(3, f.path);
    use->BindText(4, f.sha256);
    use->BindInt(5, f.rows);
    Status s = StepDone(c, use, "saving the files of a run");
    if (!s.ok()) return s;
  }
  st = c.Prepare(
      "INSERT INTO run_report_rows (run_id, file_index, partner_id, partner_name, customer_tenant_id,"
      " subscription_id, month, currency, admin_type, usage_rows, total_cost, attributed_cost)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  if (!st.ok()) return st.status();
  SavedReportRow r;
  for (;;) {
    auto more = rows.NextReport(r);
    if (!more.ok()) return more.status().WithContext("saving the report rows of a run");
    if (!*more) break;
    StatementUse use(**st);
    use->BindInt(1, id);
    use->BindInt(2, r.file_index);
    use->BindText(3, r.partner_id);
    use->BindText(4, r.partner_name);
    use->BindText(5, r.customer_tenant_id);
    use->BindText(6, r.subscription_id);
    use->BindText(7, r.month);
    use->BindText(8, r.currency);
    use->BindText(9, r.admin_type);
    use->BindInt(10, r.usage_rows);
    use->BindText(11, r.total_cost);
    use->BindText(12, r.attributed_cost);
    Status s = StepDone(c, use, "saving the report rows of a run");
    if (!s.ok()) return s;
  }
  st = c.Prepare(
      "INSERT INTO run_unattributed_rows (run_id, file_index, customer_tenant_id, subscription_id, month, currency,"
      " reason, usage_rows, total_cost) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!st.ok()) return st.status();
  SavedUnattributedRow u;
  for (;;) {
    auto more = rows.NextUnattributed(u);
    if (!more.ok()) return more.status().WithContext("saving the unattributed rows of a run");
    if (!*more) break;
    const SavedUnattributedRow& r = u;
    StatementUse use(**st);
    use->BindInt(1, id);
    use->BindInt(2, r.file_index);
    use->BindText(3, r.customer_tenant_id);
    use->BindText(4, r.subscription_id);
    use->BindText(5, r.month);
    use->BindText(6, r.currency);
    use->BindText(7, r.reason);
    use->BindInt(8, r.usage_rows);
    use->BindText(9, r.total_cost);
    Status s = StepDone(c, use, "saving the unattributed rows of a run");
    if (!s.ok()) return s;
  }
  st = c.Prepare(
      "INSERT INTO run_reconciliation (run_id, file_index, currency, rows_credited, rows_not_credited,"
      " rows_rejected, read, credited, not_credited, rejected, attributed)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  if (!st.ok()) return st.status();
  SavedReconciliation rec;
  for (;;) {
    auto more = rows.NextReconciliation(rec);
    if (!more.ok()) return more.status().WithContext("saving the reconciliation of a run");
    if (!*more) break;
    const SavedReconciliation& r = rec;
    StatementUse use(**st);
    use->BindInt(1, id);
    use->BindInt(2, r.file_index);
    use->BindText(3, r.currency);
    use->BindInt(4, r.rows_credited);
    use->BindInt(5, r.rows_not_credited);
    use->BindInt(6, r.rows_rejected);
    use->BindText(7, r.read);
    use->BindText(8, r.credited);
    use->BindText(9, r.not_credited);
    use->BindText(10, r.rejected);
    use->BindText(11, r.attributed);
    Status s = StepDone(c, use, "saving the reconciliation of a run");
    if (!s.ok()) return s;
  }
  Status s = tx.Commit();
  if (!s.ok()) return s;
  return id;
}

Result<std::vector<RunInfo>> SqliteStore::ListRuns() {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  Transaction tx(c, Transaction::Mode::kRead);  // runs and their files from one committed state
  if (!tx.status().ok()) return tx.status();
  std::vector<RunInfo> runs;
  std::map<int64_t, size_t> at;
  auto st = c.Prepare("SELECT run_id, created, role_policy, measure, from_month, to_month FROM runs ORDER BY run_id");
  if (!st.ok()) return st.status();
  {
    StatementUse use(**st);
    int rc;
    while ((rc = use->Step()) == SQLITE_ROW) {
      RunInfo r;
      r.run_id = use->Int(0);
      r.created = Timestamp{use->Int(1)};
      r.role_policy = use->Text(2);
      r.measure = use->Text(3);
      r.from = use->Text(4);
      r.to = use->Text(5);
      at[r.run_id] = runs.size();
      runs.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return SqliteError(c.raw(), rc, "listing runs");
  }
  st = c.Prepare("SELECT run_id, file_index, path, sha256, rows FROM run_files ORDER BY run_id, file_index");
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  int rc;
  while ((rc = use->Step()) == SQLITE_ROW) {
    auto it = at.find(use->Int(0));
    if (it == at.end()) continue;
    runs[it->second].files.push_back(
        RunFile{static_cast<int>(use->Int(1)), use->Text(2), use->Text(3), use->Int(4)});
  }
  if (rc != SQLITE_DONE) return SqliteError(c.raw(), rc, "listing run files");
  return runs;
}

namespace {

// Runs `sql` once per run file, in one read transaction (?1 = run id, ?2 = file index, then whatever `bind_more`
// binds), and turns each row into a T with `read_row`. The three per-file loaders below differ only in those.
template <typename T, typename BindMore, typename ReadRow>
Result<std::vector<T>> LoadPerFile(ConnectionPool& pool, const std::vector<RunFileRef>& files, const char* sql,
                                   BindMore bind_more, ReadRow read_row, const char* what) {
  auto conn = pool.Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  Transaction tx(c, Transaction::Mode::kRead);
  if (!tx.status().ok()) return tx.status();
  auto st = c.Prepare(sql);
  if (!st.ok()) return st.status();
  std::vector<T> out;
  for (const RunFileRef& f : files) {
    StatementUse use(**st);
    use->BindInt(1, f.run_id);
    use->BindInt(2, f.file_index);
    bind_more(use);
    int rc;
    while ((rc = use->Step()) == SQLITE_ROW) out.push_back(read_row(use));
    if (rc != SQLITE_DONE)
      return SqliteError(c.raw(), rc, std::string("reading ") + what + " of run " + std::to_string(f.run_id));
  }
  return out;
}

}  // namespace

Result<std::vector<SavedReportRow>> SqliteStore::LoadReportRows(const std::vector<RunFileRef>& files,
                                                                const std::optional<std::string>& partner_id) {
  return LoadPerFile<SavedReportRow>(
      pool_, files,
      "SELECT file_index, partner_id, partner_name, customer_tenant_id, subscription_id, month, currency,"
      " admin_type, usage_rows, total_cost, attributed_cost FROM run_report_rows"
      " WHERE run_id = ?1 AND file_index = ?2 AND (?3 IS NULL OR partner_id = ?3) ORDER BY id",
      [&partner_id](StatementUse& use) {
        if (partner_id) use->BindText(3, *partner_id); else use->BindNull(3);
      },
      [](StatementUse& use) {
        SavedReportRow r;
        r.file_index = static_cast<int>(use->Int(0));
        r.partner_id = use->Text(1);
        r.partner_name = use->Text(2);
        r.customer_tenant_id = use->Text(3);
        r.subscription_id = use->Text(4);
        r.month = use->Text(5);
        r.currency = use->Text(6);
        r.admin_type = use->Text(7);
        r.usage_rows = use->Int(8);
        r.total_cost = use->Text(9);
        r.attributed_cost = use->Text(10);
        return r;
      },
      "report rows");
}

Result<std::vector<SavedUnattributedRow>> SqliteStore::LoadUnattributedRows(const std::vector<RunFileRef>& files) {
  return LoadPerFile<SavedUnattributedRow>(
      pool_, files,
      "SELECT file_index, customer_tenant_id, subscription_id, month, currency, reason, usage_rows, total_cost"
      " FROM run_unattributed_rows WHERE run_id = ?1 AND file_index = ?2 ORDER BY id",
      [](StatementUse&) {},
      [](StatementUse& use) {
        SavedUnattributedRow r;
        r.file_index = static_cast<int>(use->Int(0));
        r.customer_tenant_id = use->Text(1);
        r.subscription_id = use->Text(2);
        r.month = use->Text(3);
        r.currency = use->Text(4);
        r.reason = use->Text(5);
        r.usage_rows = use->Int(6);
        r.total_cost = use->Text(7);
        return r;
      },
      "unattributed rows");
}

Result<std::vector<SavedReconciliation>> SqliteStore::LoadReconciliation(const std::vector<RunFileRef>& files) {
  return LoadPerFile<SavedReconciliation>(
      pool_, files,
      "SELECT file_index, currency, rows_credited, rows_not_credited, rows_rejected, read, credited, not_credited,"
      " rejected, attributed FROM run_reconciliation WHERE run_id = ?1 AND file_index = ?2 ORDER BY currency",
      [](StatementUse&) {},
      [](StatementUse& use) {
        SavedReconciliation r;
        r.file_index = static_cast<int>(use->Int(0));
        r.currency = use->Text(1);
        r.rows_credited = use->Int(2);
        r.rows_not_credited = use->Int(3);
        r.rows_rejected = use->Int(4);
        r.read = use->Text(5);
        r.credited = use->Text(6);
        r.not_credited = use->Text(7);
        r.rejected = use->Text(8);
        r.attributed = use->Text(9);
        return r;
      },
      "the reconciliation");
}

}  // namespace openpal::sqlite
