// One way to open the store for every command: `--db` / $OPENPAL_DB names an SQLite file or a PostgreSQL URI.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"
#include "store/store_access.h"

namespace openpal {

// Whether `db` names a PostgreSQL database (a libpq URI: "postgresql://..." or "postgres://...") rather than a file.
bool IsPostgresUri(const std::string& db);

// The local file that goes with the store `db` names, ending in `suffix` (".index", ".dev-issuer.pem"): beside an
// SQLite file (`db` + suffix); for a PostgreSQL URI, which is no place for a file, in the current folder and named
// after the URI ("openpal-<FNV-1a of the URI, 16 hex digits>" + suffix), so commands run from one folder share it.
std::string StoreSideFile(const std::string& db, const std::string& suffix);

// Opens the store `db` names with `access`: a PostgreSQL store for a URI (OpenPostgresStore), else the SQLite file
// (OpenSqliteStore). Errors are the backend's.
Result<std::unique_ptr<Store>> OpenStore(const std::string& db, StoreAccess access = StoreAccess::kReadWrite);

// Opens the PostgreSQL store at `uri` with `access`: kReadWrite creates and migrates the schema, kReadOnly only
// checks it (docs/store.md "PostgreSQL"). Unavailable when the server cannot be reached.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri, StoreAccess access = StoreAccess::kReadWrite);

}  // namespace openpal
