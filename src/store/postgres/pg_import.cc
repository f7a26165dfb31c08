// ImportTransaction on PostgreSQL: one transaction holding the writer lock exclusively; inserts are buffered and sent
// with COPY (ids reserved from each table's sequence, so Insert still answers its id at once).
#include <array>
#include <string>

#include "core/guid.h"
#include "store/postgres/pg_facts.h"
#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_store.h"

namespace openpal::pg {
namespace {

constexpr size_t kKinds = 10;
constexpr int kIdBlock = 8192;          // ids reserved per sequence round trip
constexpr size_t kFlushRows = 50000;    // rows buffered per table before a COPY

class PgImport final : public ImportTransaction {
 public:
  explicit PgImport(PooledConnection conn) : conn_(std::move(conn)) {
    conn_->set_call_timeout(std::chrono::milliseconds(0));  // a big COPY or a commit may take a while
  }

  // Opens the transaction and takes the writer lock exclusively: one import at a time, link changes wait.
  Status Begin() {
    begin_ = conn_->Run("BEGIN");
    if (!begin_.ok()) return begin_;
    open_ = true;
    // An import waits for the one before it (as two `pal import`s on one SQLite file do), for up to 10 minutes.
    if (Status s = conn_->Run("SET LOCAL lock_timeout = '10min'"); !s.ok()) return s;
    if (auto l = conn_->Exec("SELECT pg_advisory_xact_lock($1)", Params().Int(kWriterLock)); !l.ok())
      return l.status();
    return conn_->Run("SET LOCAL lock_timeout = '5s'");
  }

  ~PgImport() override {
    if (open_) conn_->Run("ROLLBACK");
  }

  Result<std::optional<Timestamp>> LastObservation(const TenantId& tenant, SnapshotFile file) override {
    if (Status s = Usable(); !s.ok()) return s;
    auto r = conn_->Exec("SELECT max(as_of) FROM observations WHERE tenant = $1 AND kind = $2",
                         Params().Text(AsciiLower(tenant)).Text(SnapshotFileName(file)));
    return MaybeTime(r);
  }

  Result<std::optional<Timestamp>> NewestSnapshot(const TenantId& tenant) override {
    if (Status s = Usable(); !s.ok()) return s;
    auto r = conn_->Exec("SELECT max(as_of) FROM snapshots WHERE tenant = $1", Params().Text(AsciiLower(tenant)));
    return MaybeTime(r);
  }

  Result<std::vector<AnyFact>> OpenFacts(FactKind kind, const std::optional<TenantId>& tenant) override {
    if (Status s = Usable(); !s.ok()) return s;
    if (Status s = FlushAll(); !s.ok()) return s;
    Params p;
    if (tenant) p.Text(AsciiLower(*tenant));
    auto rows = conn_->Exec("SELECT " + SelectColumns(kind) + " FROM " + TableOf(kind) + " WHERE valid_to IS NULL" +
                                (tenant ? " AND tenant = $1" : "") + " ORDER BY id",
                            p);
    if (!rows.ok()) return rows.status();
    std::vector<AnyFact> out;
    out.reserve(static_cast<size_t>(rows->size()));
    for (int i = 0; i < rows->size(); ++i) out.push_back(ReadFact(*rows, i, kind));
    return out;
  }

  Result<int64_t> Insert(const FactValue& value, const Interval& valid) override {
    if (Status s = Usable(); !s.ok()) return s;
    const FactKind kind = KindOf(value);
    if (valid.to < valid.from)
      return Status::Error(StatusCode::kInvalidArgument, "a fact cannot end before it starts: " + valid.ToString(),
                           std::string("insert into ") + TableOf(kind));
    if (Status s = FactRow(value, valid, row_); !s.ok()) return s;
    Buffer& b = buffers_[static_cast<size_t>(kind)];
    if (b.next_id == b.end_id) {
      if (Status s = ReserveIds(kind, b); !s.ok()) return s;
    }
    const int64_t id = b.next_id++;
    b.data += std::to_string(id);
    for (const auto& field : row_) {
      b.data += '\t';
      if (field) AppendCopyField(b.data, *field); else b.data += "\\N";
    }
    b.data += '\n';
    if (++b.rows >= kFlushRows) {
      if (Status s = Flush(kind); !s.ok()) return s;
    }
    return id;
  }

  Status Close(FactKind kind, int64_t id, Timestamp end) override {
    if (Status s = Usable(); !s.ok()) return s;
    if (end == Timestamp::Max())
      return Status::Error(StatusCode::kInvalidArgument, "a fact cannot be closed at the open end (Timestamp::Max)");
    if (Status s = Flush(kind); !s.ok()) return s;
    const std::string where = std::string(TableOf(kind)) + " id " + std::to_string(id);
    // The conditions the trigger enforces are in the WHERE clause, so a refused close changes nothing and does not
    // abort the transaction (PostgreSQL would refuse every later statement of it): the caller may go on, as on SQLite.
    auto r = conn_->Exec(std::string("UPDATE ") + TableOf(kind) +
                             " SET valid_to = $1 WHERE id = $2 AND valid_to IS NULL AND valid_from <= $1",
                         Params().Int(end.micros).Int(id));
    if (!r.ok()) return r.status().WithContext("closing " + where);
    if (r->Affected() != 1)
      return Status::Error(StatusCode::kFailedPrecondition,
                           "no open fact with this id that started at or before " + FormatIsoTime(end) +
                               ": it does not exist, was already closed, or would end before it began",
                           where);
    return Status::Ok();
  }

  Status RecordObservation(const TenantId& tenant, SnapshotFile file, Timestamp as_of) override {
    if (Status s = Usable(); !s.ok()) return s;
    auto r = conn_->Exec("INSERT INTO observations (tenant, kind, as_of) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                         Params().Text(AsciiLower(tenant)).Text(SnapshotFileName(file)).Int(as_of.micros));
    return r.ok() ? Status::Ok() : r.status().WithContext("recording an observation");
  }

  Status RecordSnapshot(const TenantId& tenant, Timestamp as_of, const std::string& source) override {
    if (Status s = Usable(); !s.ok()) return s;
    if (source.find('\0') != std::string::npos)
      return Status::Error(StatusCode::kInvalidArgument, "the snapshot's source holds a NUL byte", "snapshots");
    auto r = conn_->Exec("INSERT INTO snapshots (tenant, as_of, source) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                         Params().Text(AsciiLower(tenant)).Int(as_of.micros).Text(source));
    return r.ok() ? Status::Ok() : r.status().WithContext("recording a snapshot");
  }

  Status Commit() override {
    if (committed_) return Status::Error(StatusCode::kIoError, "the import was already committed");
    if (Status s = Usable(); !s.ok()) return s;
    if (Status s = FlushAll(); !s.ok()) return s.WithContext("committing the import");
    // Raised in this transaction, so the version and the facts become visible together (slot 0: imports).
    if (auto bumped = conn_->Exec(kBumpDirectoryVersionSql, Params().Int(0)); !bumped.ok())
      return bumped.status().WithContext("raising the directory version");
    open_ = false;
    Status s = conn_->Run("COMMIT");
    if (!s.ok()) return s.WithContext("committing the import");
    committed_ = true;
    return s;
  }

 private:
  struct Buffer {
    std::string data;  // COPY text lines
    size_t rows = 0;
    int64_t next_id = 0, end_id = 0;  // reserved ids [next_id, end_id)
  };

  Status Usable() const {
    if (committed_) return Status::Error(StatusCode::kIoError, "the import was already committed; start another");
    if (!open_) return Status::Error(StatusCode::kIoError, "the import's transaction is not open");
    return Status::Ok();
  }

  Result<std::optional<Timestamp>> MaybeTime(const Result<Rows>& r) {
    if (!r.ok()) return r.status();
    if (r->empty() || r->IsNull(0, 0)) return std::optional<Timestamp>();
    return std::optional<Timestamp>(Timestamp{r->Int(0, 0)});
  }

  // Reserves the next block of ids of `kind`'s table. Sequence values are handed out one by one, so under
  // concurrent inserts (a link change's partner_links row) the block may have gaps: only its first contiguous run is
  // used, the rest are simply never used (ids need be unique and increasing, not dense).
  Status ReserveIds(FactKind kind, Buffer& b) {
    auto r = conn_->Exec(std::string("SELECT min(v), max(v), count(*) FROM (SELECT nextval(pg_get_serial_sequence('") +
                             TableOf(kind) + "', 'id')) AS v FROM generate_series(1, $1)) AS s",
                         Params().Int(kIdBlock));
    if (!r.ok()) return r.status().WithContext(std::string("reserving ids of ") + TableOf(kind));
    const int64_t lo = r->Int(0, 0), hi = r->Int(0, 1), n = r->Int(0, 2);
    if (hi - lo + 1 == n) {
      b.next_id = lo;
      b.end_id = hi + 1;
    } else {  // not contiguous: fall back to one id per call, from the sequence
      auto one = conn_->Exec(std::string("SELECT nextval(pg_get_serial_sequence('") + TableOf(kind) + "', 'id'))");
      if (!one.ok()) return one.status();
      b.next_id = one->Int(0, 0);
      b.end_id = b.next_id + 1;
    }
    return Status::Ok();
  }

  Status Flush(FactKind kind) {
    Buffer& b = buffers_[static_cast<size_t>(kind)];
    if (b.rows == 0) return Status::Ok();
    Status s = conn_->CopyIn(std::string("COPY ") + TableOf(kind) + " (id, " + InsertColumns(kind) + ") FROM STDIN",
                             b.data);
    b.data.clear();
    b.rows = 0;
    return s;
  }

  Status FlushAll() {
    for (size_t k = 0; k < kKinds; ++k)
      if (Status s = Flush(static_cast<FactKind>(k)); !s.ok()) return s;
    return Status::Ok();
  }

  PooledConnection conn_;
  Status begin_;
  bool open_ = false;
  bool committed_ = false;
  std::array<Buffer, kKinds> buffers_;
  RowValues row_;  // reused by Insert
};

}  // namespace

Result<std::unique_ptr<ImportTransaction>> BeginPgImport(PgStore& store) {
  auto conn = store.pool().Acquire();
  if (!conn.ok()) return conn.status();
  auto tx = std::make_unique<PgImport>(std::move(conn).value());
  if (Status s = tx->Begin(); !s.ok()) return s.WithContext("starting an import");
  return std::unique_ptr<ImportTransaction>(std::move(tx));
}

}  // namespace openpal::pg
