// PgStore: the connection pool, reads, link changes, settings and the change counter.
#include "store/postgres/pg_store.h"

#include "core/guid.h"
#include "store/postgres/pg_facts.h"
#include "store/postgres/pg_schema.h"

namespace openpal::pg {
namespace {

// Overlap of [valid_from, valid_to) with the window ($1, $2); an empty fact overlaps nothing (Interval::overlaps).
constexpr const char* kOverlapsWindow =
    " valid_from < $2 AND (valid_to IS NULL OR (valid_to > $1 AND valid_to > valid_from))";
// Holds at the instant $1.
constexpr const char* kHoldsAt = " valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)";

template <typename T>
Fact<T> Typed(AnyFact&& f) {
  return Fact<T>{f.id, std::get<T>(std::move(f.value)), f.valid};
}

void AppendFacts(const Rows& rows, FactKind kind, std::vector<AnyFact>& out) {
  for (int i = 0; i < rows.size(); ++i) out.push_back(ReadFact(rows, i, kind));
}

const char* ActionName(LinkDecision::Action a) {
  switch (a) {
    case LinkDecision::Action::kCreate: return "create";
    case LinkDecision::Action::kMove: return "update";
    case LinkDecision::Action::kDelete: return "delete";
    case LinkDecision::Action::kNone: break;
  }
  return "none";
}

// The principal's link state as read on `c`, inside the caller's transaction.
Result<LinkState> ReadLinkState(Connection& c, const std::string& tenant, const std::string& object) {
  LinkState state;
  auto cur = c.Exec("SELECT " + SelectColumns(FactKind::kPartnerLink) +
                        " FROM partner_links WHERE tenant = $1 AND object_id = $2 AND source = 'api'"
                        " AND valid_to IS NULL ORDER BY id DESC LIMIT 1",
                    Params().Text(tenant).Text(object));
  if (!cur.ok()) return cur.status();
  if (!cur->empty()) state.current = Typed<PartnerLink>(ReadFact(*cur, 0, FactKind::kPartnerLink));
  auto ver = c.Exec("SELECT coalesce(max(version), 0) FROM link_events WHERE tenant = $1 AND object_id = $2",
                    Params().Text(tenant).Text(object));
  if (!ver.ok()) return ver.status();
  state.version = ver->Int(0, 0);
  return state;
}

}  // namespace

Result<std::unique_ptr<ImportTransaction>> PgStore::BeginImport() { return BeginPgImport(*this); }

Result<std::vector<AnyFact>> PgStore::LoadFacts(FactKind kind, const Interval& window,
                                                const std::optional<TenantId>& tenant) {
  std::vector<AnyFact> out;
  if (window.empty()) return out;
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  (*conn)->set_call_timeout(std::chrono::milliseconds(0));  // a whole table may take a while
  Params p;
  p.Int(window.from.micros).Int(window.to.micros);
  if (tenant) p.Text(AsciiLower(*tenant));
  auto rows = (*conn)->Exec("SELECT " + SelectColumns(kind) + " FROM " + TableOf(kind) + " WHERE" + kOverlapsWindow +
                                (tenant ? " AND tenant = $3" : "") + " ORDER BY id",
                            p);
  if (!rows.ok()) return rows.status();
  AppendFacts(*rows, kind, out);
  return out;
}

Status PgStore::ScanFacts(FactKind kind, const Interval& window,
                          const std::function<Status(std::vector<AnyFact>&)>& batch) {
  if (window.empty()) return Status::Ok();
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  c.set_call_timeout(std::chrono::milliseconds(0));
  // A cursor in one read-only snapshot: memory holds one batch, and every batch is of the same state.
  Transaction tx(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!tx.status().ok()) return tx.status();
  std::string sql = "DECLARE openpal_scan NO SCROLL CURSOR FOR SELECT " + SelectColumns(kind) + " FROM " +
                    TableOf(kind) + " WHERE valid_from < " + std::to_string(window.to.micros) +
                    " AND (valid_to IS NULL OR (valid_to > " + std::to_string(window.from.micros) +
                    " AND valid_to > valid_from)) ORDER BY id";
  if (Status s = c.Run(sql); !s.ok()) return s;
  constexpr int kBatch = 16384;
  std::vector<AnyFact> facts;
  for (;;) {
    auto rows = c.Exec("FETCH " + std::to_string(kBatch) + " FROM openpal_scan");
    if (!rows.ok()) return rows.status();
    if (rows->empty()) break;
    facts.clear();
    AppendFacts(*rows, kind, facts);
    if (Status s = batch(facts); !s.ok()) return s;
    if (rows->size() < kBatch) break;
  }
  return tx.Commit();
}

Result<std::pair<int64_t, int64_t>> PgStore::CountFacts(FactKind kind) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Exec(std::string("SELECT count(*), count(*) FILTER (WHERE valid_to IS NULL) FROM ") +
                            TableOf(kind));
  if (!rows.ok()) return rows.status();
  return std::make_pair(rows->Int(0, 0), rows->Int(0, 1));
}

Result<std::optional<Fact<Principal>>> PgStore::PrincipalAt(const TenantId& tenant, const ObjectId& object,
                                                            Timestamp t) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Exec("SELECT " + SelectColumns(FactKind::kPrincipal) +
                                " FROM principals WHERE tenant = $2 AND object_id = $3 AND" + kHoldsAt +
                                " ORDER BY valid_from DESC, id DESC LIMIT 1",
                            Params().Int(t.micros).Text(AsciiLower(tenant)).Text(AsciiLower(object)));
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Fact<Principal>>();
  return std::optional<Fact<Principal>>(Typed<Principal>(ReadFact(*rows, 0, FactKind::kPrincipal)));
}

Result<std::optional<Fact<Partner>>> PgStore::PartnerAt(const std::string& partner_id, Timestamp t) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Exec("SELECT " + SelectColumns(FactKind::kPartner) + " FROM partners WHERE partner_id = $2 AND" +
                                kHoldsAt + " ORDER BY valid_from DESC, id DESC LIMIT 1",
                            Params().Int(t.micros).Text(partner_id));
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Fact<Partner>>();
  return std::optional<Fact<Partner>>(Typed<Partner>(ReadFact(*rows, 0, FactKind::kPartner)));
}

Result<std::vector<Partner>> PgStore::LocationsOf(const std::string& global_partner_id, Timestamp t) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Exec("SELECT " + SelectColumns(FactKind::kPartner) +
                                " FROM partners WHERE global_partner_id = $2 AND level = 'location' AND" + kHoldsAt +
                                " ORDER BY partner_id COLLATE \"C\", id",
                            Params().Int(t.micros).Text(global_partner_id));
  if (!rows.ok()) return rows.status();
  std::vector<Partner> out;
  for (int i = 0; i < rows->size(); ++i) out.push_back(std::get<Partner>(ReadFact(*rows, i, FactKind::kPartner).value));
  return out;
}

Result<LinkState> PgStore::ChangeLink(const TenantId& tenant_in, const ObjectId& object_in, Timestamp at,
                                      const std::string& request_id,
                                      const std::function<LinkDecision(const LinkState&)>& decide) {
  const std::string tenant = AsciiLower(tenant_in), object = AsciiLower(object_in);
  const std::string where = "link of " + tenant + "/" + object;
  if (tenant.find('\0') != std::string::npos || object.find('\0') != std::string::npos ||
      request_id.find('\0') != std::string::npos)
    return Status::Error(StatusCode::kInvalidArgument, "an ID holds a NUL byte", where);
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status().WithContext(where);
  Connection& c = **conn;
  Transaction tx(c);
  if (!tx.status().ok()) return tx.status().WithContext(where);
  // Link changes go on in parallel with each other and wait while an import runs (it holds this lock exclusively).
  if (auto l = c.Exec("SELECT pg_advisory_xact_lock_shared($1)", Params().Int(kWriterLock)); !l.ok())
    return l.status().WithContext(where);
  // The principal's counter row, locked until commit: every change of this principal, through any replica, waits
  // here for the one before it. Created on first use from the history (a store whose events predate the row).
  if (auto ins = c.Exec("INSERT INTO link_counters (tenant, object_id, version) SELECT $1, $2, coalesce(max(version), 0)"
                        " FROM link_events WHERE tenant = $1 AND object_id = $2 ON CONFLICT DO NOTHING",
                        Params().Text(tenant).Text(object));
      !ins.ok())
    return ins.status().WithContext(where);
  auto locked = c.Exec("SELECT version FROM link_counters WHERE tenant = $1 AND object_id = $2 FOR UPDATE",
                       Params().Text(tenant).Text(object));
  if (!locked.ok()) return locked.status().WithContext(where);
  auto read = ReadLinkState(c, tenant, object);
  if (!read.ok()) return read.status().WithContext(where);
  LinkState state = std::move(read).value();
  LinkDecision d = decide(state);

  using A = LinkDecision::Action;
  if (d.action == A::kMove && state.current && state.current->value.partner_id == d.partner_id) d.action = A::kNone;
  if (d.action == A::kNone) return state;  // nothing written; the transaction rolls back harmlessly
  if (d.action == A::kCreate && state.current)
    return Status::Error(StatusCode::kAlreadyExists,
                         "create decided while a link to " + state.current->value.partner_id + " is open", where);
  if ((d.action == A::kMove || d.action == A::kDelete) && !state.current)
    return Status::Error(StatusCode::kFailedPrecondition,
                         std::string(ActionName(d.action)) + " decided without an open link", where);
  if (d.action != A::kDelete && d.partner_id.empty())
    return Status::Error(StatusCode::kInvalidArgument, "a create or move needs a partner ID", where);
  if (d.partner_id.find('\0') != std::string::npos)
    return Status::Error(StatusCode::kInvalidArgument, "a partner ID holds a NUL byte", where);

  // Never before the principal's previous change (a clock that stepped back, another replica's clock).
  auto last = c.Exec("SELECT max(at) FROM link_events WHERE tenant = $1 AND object_id = $2",
                     Params().Text(tenant).Text(object));
  if (!last.ok()) return last.status().WithContext(where);
  if (!last->IsNull(0, 0) && at.micros < last->Int(0, 0)) at = Timestamp{last->Int(0, 0)};
  if (state.current && at < state.current->valid.from) at = state.current->valid.from;
  const int64_t version = state.version + 1;

  if (state.current) {
    auto closed = c.Exec("UPDATE partner_links SET valid_to = $1 WHERE id = $2 AND valid_to IS NULL",
                         Params().Int(at.micros).Int(state.current->id));
    if (!closed.ok()) return closed.status().WithContext("ending the " + where);
  }
  std::optional<Fact<PartnerLink>> next;
  if (d.action != A::kDelete) {
    PartnerLink link;
    link.tenant_id = tenant;
    link.object_id = object;
    link.partner_id = d.partner_id;
    link.source = LinkSource::kApi;
    link.created_time = d.action == A::kMove ? state.current->value.created_time : at;
    link.version = version;
    Interval valid{at, Timestamp::Max()};
    RowValues row;
    if (Status s = FactRow(FactValue(link), valid, row); !s.ok()) return s;
    Params p;
    for (auto& v : row) v ? p.Text(*v) : p.Null();
    auto id = c.Exec(InsertSql(FactKind::kPartnerLink), p);
    if (!id.ok()) return id.status().WithContext("writing the " + where);
    next = Fact<PartnerLink>{id->Int(0, 0), std::move(link), valid};
  }
  auto ev = c.Exec(
      "INSERT INTO link_events (tenant, object_id, version, action, partner_id, at, created_time, request_id)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      Params()
          .Text(tenant)
          .Text(object)
          .Int(version)
          .Text(ActionName(d.action))
          .Text(next ? next->value.partner_id : state.current->value.partner_id)
          .Int(at.micros)
          .Int(next ? next->value.created_time.micros : state.current->value.created_time.micros)
          .Text(request_id));
  if (!ev.ok()) return ev.status().WithContext("recording the change of the " + where);
  auto bump = c.Exec("UPDATE link_counters SET version = $3 WHERE tenant = $1 AND object_id = $2",
                     Params().Text(tenant).Text(object).Int(version));
  if (!bump.ok()) return bump.status().WithContext(where);
  // Last before COMMIT: the slot's row stays locked until then (pg_schema.cc, version 2).
  auto raised = c.Exec(kBumpDirectoryVersionSql, Params().Int(DirectorySlotOfLink(tenant, object)));
  if (!raised.ok()) return raised.status().WithContext("raising the directory version for the " + where);
  // synchronous_commit (on by default): durable, and visible to every replica, when COMMIT returns.
  if (Status s = tx.Commit(); !s.ok()) return s.WithContext(where);
  return LinkState{std::move(next), version};
}

Result<LinkState> PgStore::CurrentLink(const TenantId& tenant, const ObjectId& object) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  Transaction tx(**conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");  // the fact and the counter at once
  if (!tx.status().ok()) return tx.status();
  auto state = ReadLinkState(**conn, AsciiLower(tenant), AsciiLower(object));
  if (!state.ok()) return state.status();
  if (Status s = tx.Commit(); !s.ok()) return s;
  return state;
}

Result<std::vector<LinkEvent>> PgStore::LinkHistory(const TenantId& tenant, const ObjectId& object) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Exec(
      "SELECT version, action, partner_id, at, created_time, request_id FROM link_events"
      " WHERE tenant = $1 AND object_id = $2 ORDER BY version",
      Params().Text(AsciiLower(tenant)).Text(AsciiLower(object)));
  if (!rows.ok()) return rows.status();
  std::vector<LinkEvent> out;
  for (int i = 0; i < rows->size(); ++i)
    out.push_back(LinkEvent{rows->Int(i, 0), rows->Text(i, 1), rows->Text(i, 2), Timestamp{rows->Int(i, 3)},
                            Timestamp{rows->Int(i, 4)}, rows->Text(i, 5)});
  return out;
}

Result<uint64_t> PgStore::ChangeCounter() {
  // pg_current_snapshot() is (xmin, xmax, in-progress xids). It changes whenever a transaction that wrote anything
  // ends, on any connection of any process, and not when one merely starts: two equal answers mean nothing was
  // committed in between. A sequence bumped by writers could not say that (nextval is not transactional: it moves
  // before the commit is visible). The snapshot is the server's, so commits to other databases move it too: a
  // needless cache miss, never a stale answer.
  std::lock_guard<std::mutex> lock(watch_mu_);
  if (!watch_ || !watch_->Reusable()) {
    watch_.reset();
    auto opened = Connection::Open(uri_, /*read_only=*/true);
    if (!opened.ok()) return opened.status();
    watch_ = std::move(opened).value();
  }
  auto rows = watch_->Exec("SELECT pg_current_snapshot()::text");
  if (!rows.ok()) {
    watch_.reset();
    return rows.status();
  }
  std::string snapshot = rows->Text(0, 0);
  if (snapshot != last_snapshot_) {
    last_snapshot_ = std::move(snapshot);
    ++counter_;
  }
  return counter_;
}

Result<Store::DirectoryVersion> PgStore::CurrentDirectoryVersion() {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  // One statement, one snapshot: the sum of every slot as committed now.
  auto rows = (*conn)->Exec("SELECT min(store_id), max(store_id), sum(version)::bigint FROM directory_version");
  if (!rows.ok()) return rows.status().WithContext("reading the directory version");
  if (rows->IsNull(0, 0) || rows->Text(0, 0) != rows->Text(0, 1))
    return Status::Error(StatusCode::kCorruption, "the table directory_version has no rows, or two store IDs", where_);
  return DirectoryVersion{rows->Text(0, 0), static_cast<uint64_t>(rows->Int(0, 2))};
}

Result<std::optional<std::string>> PgStore::GetSetting(const std::string& name) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto rows = (*conn)->Exec("SELECT value FROM settings WHERE name = $1", Params().Text(name));
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->Text(0, 0));
}

Status PgStore::PutSettingIfAbsent(const std::string& name, const std::string& value) {
  if (name.find('\0') != std::string::npos || value.find('\0') != std::string::npos)
    return Status::Error(StatusCode::kInvalidArgument, "a setting holds a NUL byte", "setting " + name);
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto r = (*conn)->Exec("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                         Params().Text(name).Text(value));
  return r.ok() ? Status::Ok() : r.status().WithContext("writing setting " + name);
}

std::string RedactUri(const std::string& uri) {
  std::string out = uri;
  // postgresql://user:password@host/...: the password is between the first ':' after "://" and the '@'.
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t at = out.find('@', scheme + 3);
    size_t colon = out.find(':', scheme + 3);
    size_t slash = out.find('/', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at && (slash == std::string::npos || at < slash))
      out.replace(colon + 1, at - colon - 1, "***");
  }
  // ?password=... or password=... in a key=value string.
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    size_t end = out.find_first_of("& ", p);
    out.replace(p + 9, (end == std::string::npos ? out.size() : end) - p - 9, "***");
  }
  return out;
}

}  // namespace openpal::pg
