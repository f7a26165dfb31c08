// SqliteStore: opening and migrating, the connection pool, reads, link changes and settings.
#include "store/sqlite/sqlite_store.h"

#include <algorithm>

#include "store/sqlite/fact_codec.h"
#include "store/sqlite/schema.h"
#include "store/store_access.h"

namespace openpal::sqlite {
namespace {

// Overlap of a fact's [valid_from, valid_to) with the window bound as ?1 (window.from) and ?2 (window.to).
// Empty facts (valid_to == valid_from) overlap nothing, as Interval::overlaps says.
constexpr const char* kOverlapsWindow =
    " valid_from < ?2 AND (valid_to IS NULL OR (valid_to > ?1 AND valid_to > valid_from))";
// Holds at the instant bound as ?1.
// Point reads name their index (INDEXED BY): without ANALYZE statistics SQLite may prefer the (tenant, valid_from)
// window index, which for a lookup of one scope or principal means scanning a whole tenant (measured: seconds
// per lookup at 1M assignments). Naming it also makes a dropped index an error instead of a silent slowdown.
constexpr const char* kHoldsAt = " valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1)";

template <typename T>
Fact<T> Typed(AnyFact&& f) {
  return Fact<T>{f.id, std::get<T>(std::move(f.value)), f.valid};
}

// Steps `use` to the end, appending every row read as a fact of `kind`.
Status ReadAll(Connection& c, StatementUse& use, FactKind kind, std::vector<AnyFact>& out) {
  int rc;
  while ((rc = use->Step()) == SQLITE_ROW) out.push_back(ReadFact(*use, kind));
  return rc == SQLITE_DONE ? Status::Ok() : SqliteError(c.raw(), rc, std::string("reading ") + TableOf(kind));
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

}  // namespace

Result<std::unique_ptr<ImportTransaction>> SqliteStore::BeginImport() { return BeginSqliteImport(*this); }

Result<std::vector<AnyFact>> SqliteStore::LoadFacts(FactKind kind, const Interval& window,
                                                    const std::optional<TenantId>& tenant) {
  std::vector<AnyFact> out;
  if (window.empty()) return out;
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  std::string sql = "SELECT " + SelectColumns(kind) + " FROM " + TableOf(kind) + " WHERE" + kOverlapsWindow +
                    (tenant ? " AND tenant = ?3" : "") + " ORDER BY id";
  auto st = (*conn)->Prepare(sql);
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  use->BindInt(1, window.from.micros);
  use->BindInt(2, window.to.micros);
  if (tenant) use->BindText(3, AsciiLower(*tenant));
  Status s = ReadAll(**conn, use, kind, out);
  if (!s.ok()) return s;
  return out;
}

Status SqliteStore::ScanFacts(FactKind kind, const Interval& window,
                              const std::function<Status(std::vector<AnyFact>&)>& batch) {
  if (window.empty()) return Status::Ok();
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare("SELECT " + SelectColumns(kind) + " FROM " + TableOf(kind) + " WHERE" + kOverlapsWindow +
                             " ORDER BY id");
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  use->BindInt(1, window.from.micros);
  use->BindInt(2, window.to.micros);
  constexpr size_t kBatch = 16384;
  std::vector<AnyFact> facts;
  facts.reserve(kBatch);
  int rc;
  while ((rc = use->Step()) == SQLITE_ROW) {
    facts.push_back(ReadFact(*use, kind));
    if (facts.size() == kBatch) {
      if (Status s = batch(facts); !s.ok()) return s;
      facts.clear();
    }
  }
  if (rc != SQLITE_DONE) return SqliteError((*conn)->raw(), rc, std::string("reading ") + TableOf(kind));
  return facts.empty() ? Status::Ok() : batch(facts);
}

Result<std::pair<int64_t, int64_t>> SqliteStore::CountFacts(FactKind kind) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(std::string("SELECT count(*), count(*) FILTER (WHERE valid_to IS NULL) FROM ") +
                             TableOf(kind));
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  int rc = use->Step();
  if (rc != SQLITE_ROW) return SqliteError((*conn)->raw(), rc, std::string("counting ") + TableOf(kind));
  return std::make_pair(use->Int(0), use->Int(1));
}

Result<std::optional<Fact<Principal>>> SqliteStore::PrincipalAt(const TenantId& tenant, const ObjectId& object,
                                                                Timestamp t) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare("SELECT " + SelectColumns(FactKind::kPrincipal) +
                             " FROM principals INDEXED BY principals_by_object WHERE tenant = ?2 AND object_id = ?3 AND" + kHoldsAt +
                             " ORDER BY valid_from DESC, id DESC LIMIT 1");
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  use->BindInt(1, t.micros);
  use->BindText(2, AsciiLower(tenant));
  use->BindText(3, AsciiLower(object));
  std::vector<AnyFact> rows;
  Status s = ReadAll(**conn, use, FactKind::kPrincipal, rows);
  if (!s.ok()) return s;
  if (rows.empty()) return std::optional<Fact<Principal>>();
  return std::optional<Fact<Principal>>(Typed<Principal>(std::move(rows.front())));
}

Result<std::optional<Fact<Partner>>> SqliteStore::PartnerAt(const std::string& partner_id, Timestamp t) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare("SELECT " + SelectColumns(FactKind::kPartner) + " FROM partners INDEXED BY partners_by_id WHERE partner_id = ?2 AND" +
                             kHoldsAt + " ORDER BY valid_from DESC, id DESC LIMIT 1");
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  use->BindInt(1, t.micros);
  use->BindText(2, partner_id);
  std::vector<AnyFact> rows;
  Status s = ReadAll(**conn, use, FactKind::kPartner, rows);
  if (!s.ok()) return s;
  if (rows.empty()) return std::optional<Fact<Partner>>();
  return std::optional<Fact<Partner>>(Typed<Partner>(std::move(rows.front())));
}

Result<std::vector<Partner>> SqliteStore::LocationsOf(const std::string& global_partner_id, Timestamp t) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare("SELECT " + SelectColumns(FactKind::kPartner) +
                             " FROM partners INDEXED BY partners_by_global WHERE global_partner_id = ?2 AND level = 'location' AND" + kHoldsAt +
                             " ORDER BY partner_id, id");
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  use->BindInt(1, t.micros);
  use->BindText(2, global_partner_id);
  std::vector<AnyFact> rows;
  Status s = ReadAll(**conn, use, FactKind::kPartner, rows);
  if (!s.ok()) return s;
  std::vector<Partner> out;
  for (AnyFact& f : rows) out.push_back(std::get<Partner>(std::move(f.value)));
  return out;
}

Result<LinkState> ReadLinkState(Connection& c, const std::string& tenant, const std::string& object) {
  LinkState state;
  auto cur = c.Prepare("SELECT " + SelectColumns(FactKind::kPartnerLink) +
                       // Without statistics the planner would pick the tenant's open-links index and scan
                       // every open link of the tenant; the principal's own index finds its few rows.
                       " FROM partner_links INDEXED BY partner_links_by_object"
                       " WHERE tenant = ?1 AND object_id = ?2 AND source = 'api'"
                       " AND valid_to IS NULL ORDER BY id DESC LIMIT 1");
  if (!cur.ok()) return cur.status();
  {
    StatementUse use(**cur);
    use->BindText(1, tenant);
    use->BindText(2, object);
    std::vector<AnyFact> rows;
    Status s = ReadAll(c, use, FactKind::kPartnerLink, rows);
    if (!s.ok()) return s;
    if (!rows.empty()) state.current = Typed<PartnerLink>(std::move(rows.front()));
  }
  auto ver = c.Prepare("SELECT max(version) FROM link_events WHERE tenant = ?1 AND object_id = ?2");
  if (!ver.ok()) return ver.status();
  StatementUse use(**ver);
  use->BindText(1, tenant);
  use->BindText(2, object);
  int rc = use->Step();
  if (rc != SQLITE_ROW) return SqliteError(c.raw(), rc, "reading the link version");
  state.version = use->IsNull(0) ? 0 : use->Int(0);
  return state;
}

Result<LinkState> SqliteStore::ChangeLink(const TenantId& tenant_in, const ObjectId& object_in, Timestamp at,
                                          const std::string& request_id,
                                          const std::function<LinkDecision(const LinkState&)>& decide) {
  const std::string tenant = AsciiLower(tenant_in), object = AsciiLower(object_in);
  const std::string where = "link of " + tenant + "/" + object;
  std::lock_guard<std::mutex> lock(write_mutex_);
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  Transaction tx(c, Transaction::Mode::kWrite);
  if (!tx.status().ok()) return tx.status().WithContext(where);
  auto read = ReadLinkState(c, tenant, object);
  if (!read.ok()) return read.status();
  LinkState state = std::move(read).value();
  LinkDecision d = decide(state);

  using A = LinkDecision::Action;
  if (d.action == A::kMove && state.current && state.current->value.partner_id == d.partner_id) d.action = A::kNone;
  if (d.action == A::kNone) return state;  // nothing written; the transaction rolls back harmlessly
  if (d.action == A::kCreate && state.current)
    return Status::Error(StatusCode::kAlreadyExists, "create decided while a link to " + state.current->value.partner_id +
                                           " is open", where);
  if ((d.action == A::kMove || d.action == A::kDelete) && !state.current)
    return Status::Error(StatusCode::kFailedPrecondition, std::string(ActionName(d.action)) + " decided without an open link", where);
  if (d.action != A::kDelete && d.partner_id.empty())
    return Status::Error(StatusCode::kInvalidArgument, "a create or move needs a partner ID", where);

  // A clock that stepped back (or another server's clock) must not put a change before the previous one:
  // the link's history stays in time order, and no fact ends before it began (the triggers refuse that).
  {
    auto last = c.Prepare("SELECT max(at) FROM link_events WHERE tenant = ?1 AND object_id = ?2");
    if (!last.ok()) return last.status();
    StatementUse use(**last);
    use->BindText(1, tenant);
    use->BindText(2, object);
    int rc = use->Step();
    if (rc != SQLITE_ROW) return SqliteError(c.raw(), rc, "reading the last change of the " + where);
    if (!use->IsNull(0) && at.micros < use->Int(0)) at = Timestamp{use->Int(0)};
  }
  if (state.current && at < state.current->valid.from) at = state.current->valid.from;
  const int64_t version = state.version + 1;

  if (state.current) {  // move or delete: end the open fact
    auto close = c.Prepare("UPDATE partner_links SET valid_to = ?1 WHERE id = ?2 AND valid_to IS NULL");
    if (!close.ok()) return close.status();
    StatementUse use(**close);
    use->BindInt(1, at.micros);
    use->BindInt(2, state.current->id);
    int rc = use->Step();
    if (rc != SQLITE_DONE) return SqliteError(c.raw(), rc, "ending the " + where);
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
    auto ins = c.Prepare(InsertSql(FactKind::kPartnerLink));
    if (!ins.ok()) return ins.status();
    StatementUse use(**ins);
    Interval valid{at, Timestamp::Max()};
    BindFact(*use, FactValue(link), valid);
    int rc = use->Step();
    if (rc != SQLITE_DONE) return SqliteError(c.raw(), rc, "writing the " + where);
    next = Fact<PartnerLink>{sqlite3_last_insert_rowid(c.raw()), std::move(link), valid};
  }
  {
    auto ev = c.Prepare(
        "INSERT INTO link_events (tenant, object_id, version, action, partner_id, at, created_time, request_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!ev.ok()) return ev.status();
    StatementUse use(**ev);
    use->BindText(1, tenant);
    use->BindText(2, object);
    use->BindInt(3, version);
    use->BindText(4, ActionName(d.action));
    use->BindText(5, next ? next->value.partner_id : state.current->value.partner_id);
    use->BindInt(6, at.micros);
    use->BindInt(7, next ? next->value.created_time.micros : state.current->value.created_time.micros);
    use->BindText(8, request_id);
    int rc = use->Step();
    if (rc != SQLITE_DONE) return SqliteError(c.raw(), rc, "recording the change of the " + where);
  }
  if (Status bumped = c.Exec(kBumpDirectoryVersionSql); !bumped.ok()) return bumped.WithContext(where);
  Status s = tx.Commit();  // synchronous=FULL: durable when this returns
  if (!s.ok()) return s.WithContext(where);
  return LinkState{std::move(next), version};
}

Result<LinkState> SqliteStore::CurrentLink(const TenantId& tenant, const ObjectId& object) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  Transaction tx(**conn, Transaction::Mode::kRead);  // the fact and the counter from one state
  if (!tx.status().ok()) return tx.status();
  return ReadLinkState(**conn, AsciiLower(tenant), AsciiLower(object));
}

Result<std::vector<LinkEvent>> SqliteStore::LinkHistory(const TenantId& tenant, const ObjectId& object) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare(
      "SELECT version, action, partner_id, at, created_time, request_id FROM link_events"
      " WHERE tenant = ?1 AND object_id = ?2 ORDER BY version");
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  use->BindText(1, AsciiLower(tenant));
  use->BindText(2, AsciiLower(object));
  std::vector<LinkEvent> out;
  int rc;
  while ((rc = use->Step()) == SQLITE_ROW)
    out.push_back(LinkEvent{use->Int(0), use->Text(1), use->Text(2), Timestamp{use->Int(3)}, Timestamp{use->Int(4)},
                            use->Text(5)});
  if (rc != SQLITE_DONE) return SqliteError((*conn)->raw(), rc, "reading the link history");
  return out;
}

Result<uint64_t> SqliteStore::ChangeCounter() {
  std::lock_guard<std::mutex> lock(watch_mu_);
  if (!watch_) {
    auto opened = Connection::Open(path_);
    if (!opened.ok()) return opened.status();
    watch_ = std::move(opened).value();
  }
  // data_version is per connection, so one connection answers every call: its values are comparable.
  auto version = watch_->QueryInt("PRAGMA data_version");
  if (!version.ok()) return version.status();
  if (!*version) return Status::Error(StatusCode::kIoError, "PRAGMA data_version returned no value", path_);
  return static_cast<uint64_t>(**version);
}

Result<Store::DirectoryVersion> SqliteStore::CurrentDirectoryVersion() {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare("SELECT store_id, version FROM directory_version WHERE id = 1");
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  int rc = use->Step();
  if (rc == SQLITE_DONE)
    return Status::Error(StatusCode::kCorruption, "the table directory_version has no row", path_);
  if (rc != SQLITE_ROW) return SqliteError((*conn)->raw(), rc, "reading the directory version");
  return DirectoryVersion{use->Text(0), static_cast<uint64_t>(use->Int(1))};
}

Result<std::optional<std::string>> SqliteStore::GetSetting(const std::string& name) {
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare("SELECT value FROM settings WHERE name = ?1");
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  use->BindText(1, name);
  int rc = use->Step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(use->Text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return SqliteError((*conn)->raw(), rc, "reading setting " + name);
}

Status SqliteStore::PutSettingIfAbsent(const std::string& name, const std::string& value) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  auto conn = pool_.Acquire();
  if (!conn.ok()) return conn.status();
  auto st = (*conn)->Prepare("INSERT OR IGNORE INTO settings (name, value) VALUES (?1, ?2)");
  if (!st.ok()) return st.status();
  StatementUse use(**st);
  use->BindText(1, name);
  use->BindText(2, value);
  int rc = use->Step();
  return rc == SQLITE_DONE ? Status::Ok() : SqliteError((*conn)->raw(), rc, "writing setting " + name);
}

}  // namespace openpal::sqlite

namespace openpal {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  return OpenSqliteStore(path, StoreAccess::kReadWrite);
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, StoreAccess access) {
  const bool read_only = access == StoreAccess::kReadOnly;
  auto store = std::make_unique<sqlite::SqliteStore>(path, read_only);
  {
    auto conn = store->pool().Acquire();
    if (!conn.ok()) return conn.status();
    // Only a command that writes migrates; one that reads takes the schema as it is, or says what to run.
    Status s = read_only ? sqlite::CheckSchemaForReading(**conn) : sqlite::Migrate(**conn);
    if (!s.ok()) return s;
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace openpal
