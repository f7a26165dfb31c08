// The store factory: an SQLite file or a PostgreSQL URI.
#include "store/open_store.h"

#include <cstdint>
#include <cstdio>

#include "store/postgres/pg_schema.h"
#include "store/postgres/pg_store.h"

namespace openpal {

bool IsPostgresUri(const std::string& db) {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

std::string StoreSideFile(const std::string& db, const std::string& suffix) {
  if (!IsPostgresUri(db)) return db + suffix;
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : db) h = (h ^ c) * 1099511628211ULL;
  char name[32];
  std::snprintf(name, sizeof name, "openpal-%016llx", static_cast<unsigned long long>(h));
  return name + suffix;
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& db, StoreAccess access) {
  return IsPostgresUri(db) ? OpenPostgresStore(db, access) : OpenSqliteStore(db, access);
}

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri, StoreAccess access) {
  const bool read_only = access == StoreAccess::kReadOnly;
  const std::string where = pg::RedactUri(uri);
  auto store = std::make_unique<pg::PgStore>(uri, where, read_only);
  {
    auto conn = store->pool().Acquire();
    if (!conn.ok()) return conn.status().WithContext(where);
    (*conn)->set_call_timeout(std::chrono::milliseconds(0));  // a migration may wait for another process's
    Status s = read_only ? pg::CheckSchemaForReading(**conn, where) : pg::Migrate(**conn, where);
    if (!s.ok()) return s;
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace openpal
