// PgStore as a RunStore: saving a run in one transaction (rows sent with COPY), listing runs, reading rows back.
#include <map>

#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_store.h"

namespace openpal::pg {
namespace {

// Rows of one table gathered as COPY text and sent every kFlush rows.
class CopyBuffer {
 public:
  CopyBuffer(Connection& c, std::string copy_sql) : c_(c), sql_(std::move(copy_sql)) {}
  CopyBuffer& Text(const std::string& s) {
    Sep();
    AppendCopyField(data_, s);
    return *this;
  }
  CopyBuffer& Int(int64_t i) {
    Sep();
    data_ += std::to_string(i);
    return *this;
  }
  Status EndRow() {
    data_ += '\n';
    first_ = true;
    return ++rows_ >= kFlush ? Flush() : Status::Ok();
  }
  Status Flush() {
    if (rows_ == 0) return Status::Ok();
    Status s = c_.CopyIn(sql_, data_);
    data_.clear();
    rows_ = 0;
    return s;
  }

 private:
  static constexpr size_t kFlush = 20000;
  void Sep() {
    if (!first_) data_ += '\t';
    first_ = false;
  }
  Connection& c_;
  std::string sql_, data_;
  size_t rows_ = 0;
  bool first_ = true;
};

bool HasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

}  // namespace

Result<int64_t> PgStore::SaveRun(const SavedRun& run) {
  SavedRunRows rows(run);
  return SaveRunFrom(run.info, rows);
}

Result<int64_t> PgStore::SaveRunFrom(const RunInfo& info, SavedRowSource& rows) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  c.set_call_timeout(std::chrono::milliseconds(0));
  Transaction tx(c);
  if (!tx.status().ok()) return tx.status().WithContext("saving a run");
  // Runs are numbered in the order they commit ("a higher ID is a newer run"): one save at a time.
  if (auto l = c.Exec("SELECT pg_advisory_xact_lock($1)", Params().Int(kRunLock)); !l.ok()) return l.status();
  for (const std::string* s : {&info.role_policy, &info.measure, &info.from, &info.to})
    if (HasNul(*s)) return Status::Error(StatusCode::kInvalidArgument, "a run field holds a NUL byte", "saving a run");
  auto run = c.Exec(
      "INSERT INTO runs (created, role_policy, measure, from_month, to_month) VALUES ($1, $2, $3, $4, $5)"
      " RETURNING run_id",
      Params().Int(info.created.micros).Text(info.role_policy).Text(info.measure).Text(info.from).Text(info.to));
  if (!run.ok()) return run.status().WithContext("saving a run");
  const int64_t id = run->Int(0, 0);
  for (const RunFile& f : info.files) {
    auto r = c.Exec("INSERT INTO run_files (run_id, file_index, path, sha256, rows) VALUES ($1, $2, $3, $4, $5)",
                    Params().Int(id).Int(f.index).Text(f.path).Text(f.sha256).Int(f.rows));
    if (!r.ok()) return r.status().WithContext("saving the files of a run");
  }
  // COPY refuses a NUL byte by itself (it ends the field): checked per row so the error says which.
  CopyBuffer report(c,
                    "COPY run_report_rows (run_id, file_index, partner_id, partner_name, customer_tenant_id,"
                    " subscription_id, month, currency, admin_type, usage_rows, total_cost, attributed_cost)"
                    " FROM STDIN");
  for (SavedReportRow r;;) {
    auto more = rows.NextReport(r);
    if (!more.ok()) return more.status().WithContext("saving the report rows of a run");
    if (!*more) break;
    report.Int(id).Int(r.file_index).Text(r.partner_id).Text(r.partner_name).Text(r.customer_tenant_id);
    report.Text(r.subscription_id).Text(r.month).Text(r.currency).Text(r.admin_type).Int(r.usage_rows);
    report.Text(r.total_cost).Text(r.attributed_cost);
    if (Status s = report.EndRow(); !s.ok()) return s.WithContext("saving the report rows of a run");
  }
  if (Status s = report.Flush(); !s.ok()) return s.WithContext("saving the report rows of a run");
  CopyBuffer unattributed(c,
                          "COPY run_unattributed_rows (run_id, file_index, customer_tenant_id, subscription_id,"
                          " month, currency, reason, usage_rows, total_cost) FROM STDIN");
  for (SavedUnattributedRow r;;) {
    auto more = rows.NextUnattributed(r);
    if (!more.ok()) return more.status().WithContext("saving the unattributed rows of a run");
    if (!*more) break;
    unattributed.Int(id).Int(r.file_index).Text(r.customer_tenant_id).Text(r.subscription_id).Text(r.month);
    unattributed.Text(r.currency).Text(r.reason).Int(r.usage_rows).Text(r.total_cost);
    if (Status s = unattributed.EndRow(); !s.ok()) return s.WithContext("saving the unattributed rows of a run");
  }
  if (Status s = unattributed.Flush(); !s.ok()) return s.WithContext("saving the unattributed rows of a run");
  CopyBuffer reconciliation(c,
                            "COPY run_reconciliation (run_id, file_index, currency, rows_credited, rows_not_credited,"
                            " rows_rejected, read, credited, not_credited, rejected, attributed) FROM STDIN");
  for (SavedReconciliation r;;) {
    auto more = rows.NextReconciliation(r);
    if (!more.ok()) return more.status().WithContext("saving the reconciliation of a run");
    if (!*more) break;
    reconciliation.Int(id).Int(r.file_index).Text(r.currency).Int(r.rows_credited).Int(r.rows_not_credited);
    reconciliation.Int(r.rows_rejected).Text(r.read).Text(r.credited).Text(r.not_credited).Text(r.rejected);
    reconciliation.Text(r.attributed);
    if (Status s = reconciliation.EndRow(); !s.ok()) return s.WithContext("saving the reconciliation of a run");
  }
  if (Status s = reconciliation.Flush(); !s.ok()) return s.WithContext("saving the reconciliation of a run");
  if (Status s = tx.Commit(); !s.ok()) return s.WithContext("saving a run");
  return id;
}

Result<std::vector<RunInfo>> PgStore::ListRuns() {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  Transaction tx(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");  // runs and their files from one state
  if (!tx.status().ok()) return tx.status();
  auto r = c.Exec("SELECT run_id, created, role_policy, measure, from_month, to_month FROM runs ORDER BY run_id");
  if (!r.ok()) return r.status().WithContext("listing runs");
  std::vector<RunInfo> runs;
  std::map<int64_t, size_t> at;
  for (int i = 0; i < r->size(); ++i) {
    RunInfo info;
    info.run_id = r->Int(i, 0);
    info.created = Timestamp{r->Int(i, 1)};
    info.role_policy = r->Text(i, 2);
    info.measure = r->Text(i, 3);
    info.from = r->Text(i, 4);
    info.to = r->Text(i, 5);
    at[info.run_id] = runs.size();
    runs.push_back(std::move(info));
  }
  auto f = c.Exec("SELECT run_id, file_index, path, sha256, rows FROM run_files ORDER BY run_id, file_index");
  if (!f.ok()) return f.status().WithContext("listing run files");
  for (int i = 0; i < f->size(); ++i) {
    auto it = at.find(f->Int(i, 0));
    if (it == at.end()) continue;
    runs[it->second].files.push_back(
        RunFile{static_cast<int>(f->Int(i, 1)), f->Text(i, 2), f->Text(i, 3), f->Int(i, 4)});
  }
  if (Status s = tx.Commit(); !s.ok()) return s;
  return runs;
}

namespace {

// Runs `sql` once per run file in one snapshot ($1 = run id, $2 = file index, then `more`), turning rows into T.
template <typename T, typename ReadRow>
Result<std::vector<T>> LoadPerFile(ConnectionPool& pool, const std::vector<RunFileRef>& files, const std::string& sql,
                                   const std::function<void(Params&)>& more, ReadRow read_row, const char* what) {
  auto conn = pool.Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  c.set_call_timeout(std::chrono::milliseconds(0));
  Transaction tx(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!tx.status().ok()) return tx.status();
  std::vector<T> out;
  for (const RunFileRef& f : files) {
    Params p;
    p.Int(f.run_id).Int(f.file_index);
    more(p);
    auto r = c.Exec(sql, p);
    if (!r.ok()) return r.status().WithContext(std::string("reading ") + what + " of run " + std::to_string(f.run_id));
    for (int i = 0; i < r->size(); ++i) out.push_back(read_row(*r, i));
  }
  if (Status s = tx.Commit(); !s.ok()) return s;
  return out;
}

}  // namespace

Result<std::vector<SavedReportRow>> PgStore::LoadReportRows(const std::vector<RunFileRef>& files,
                                                            const std::optional<std::string>& partner_id) {
  return LoadPerFile<SavedReportRow>(
      pool_, files,
      "SELECT file_index, partner_id, partner_name, customer_tenant_id, subscription_id, month, currency,"
      " admin_type, usage_rows, total_cost, attributed_cost FROM run_report_rows"
      " WHERE run_id = $1 AND file_index = $2 AND ($3::text IS NULL OR partner_id = $3::text) ORDER BY id",
      [&partner_id](Params& p) { partner_id ? p.Text(*partner_id) : p.Null(); },
      [](const Rows& r, int i) {
        return SavedReportRow{static_cast<int>(r.Int(i, 0)), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3), r.Text(i, 4),
                              r.Text(i, 5), r.Text(i, 6), r.Text(i, 7), r.Int(i, 8), r.Text(i, 9), r.Text(i, 10)};
      },
      "report rows");
}

Result<std::vector<SavedUnattributedRow>> PgStore::LoadUnattributedRows(const std::vector<RunFileRef>& files) {
  return LoadPerFile<SavedUnattributedRow>(
      pool_, files,
      "SELECT file_index, customer_tenant_id, subscription_id, month, currency, reason, usage_rows, total_cost"
      " FROM run_unattributed_rows WHERE run_id = $1 AND file_index = $2 ORDER BY id",
      [](Params&) {},
      [](const Rows& r, int i) {
        return SavedUnattributedRow{static_cast<int>(r.Int(i, 0)), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3),
                                    r.Text(i, 4), r.Text(i, 5), r.Int(i, 6), r.Text(i, 7)};
      },
      "unattributed rows");
}

Result<std::vector<SavedReconciliation>> PgStore::LoadReconciliation(const std::vector<RunFileRef>& files) {
  return LoadPerFile<SavedReconciliation>(
      pool_, files,
      "SELECT file_index, currency, rows_credited, rows_not_credited, rows_rejected, read, credited, not_credited,"
      " rejected, attributed FROM run_reconciliation WHERE run_id = $1 AND file_index = $2 ORDER BY currency COLLATE \"C\"",
      [](Params&) {},
      [](const Rows& r, int i) {
        return SavedReconciliation{static_cast<int>(r.Int(i, 0)), r.Text(i, 1), r.Int(i, 2), r.Int(i, 3),
                                   r.Int(i, 4), r.Text(i, 5), r.Text(i, 6), r.Text(i, 7), r.Text(i, 8),
                                   r.Text(i, 9)};
      },
      "the reconciliation");
}

}  // namespace openpal::pg
