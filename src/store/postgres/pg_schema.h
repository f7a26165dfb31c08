// The store's PostgreSQL schema as a list of versioned migrations (table openpal_schema), applied in order at open.
// Layout and rules: docs/store.md "PostgreSQL".
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "store/postgres/pg_connection.h"

namespace openpal::pg {

// Advisory lock keys (per database): schema migrations; writers (imports exclusive, link changes shared); runs.
inline constexpr int64_t kMigrationLock = 0x6f70616c0001;
inline constexpr int64_t kWriterLock = 0x6f70616c0002;
inline constexpr int64_t kRunLock = 0x6f70616c0003;

// Raises the directory version by one (schema version 2), in the caller's transaction: slot 0 for an import, 1 + a
// hash of the principal for a link change (pg_schema.cc says why). Run it last before COMMIT: the row stays locked
// until then.
inline constexpr const char* kBumpDirectoryVersionSql =
    "UPDATE directory_version SET version = version + 1 WHERE slot = $1";
// The slot a link change of (tenant, object) raises.
int DirectorySlotOfLink(const std::string& tenant, const std::string& object);

// The schema version this binary writes; a database with a higher version is refused.
int LatestSchemaVersion();

// Brings the database behind `c` to LatestSchemaVersion(), one migration per transaction under an advisory lock
// (several processes may open at once). Refuses a newer schema (FailedPrecondition) and a database with tables of
// its own but no openpal_schema (Corruption: not an openpal store) before writing anything. `where` names the store.
Status Migrate(Connection& c, const std::string& where);

// For a command that only reads: Ok at LatestSchemaVersion(); otherwise FailedPrecondition saying what to run, or
// Corruption for a database that is not openpal's. Changes nothing.
Status CheckSchemaForReading(Connection& c, const std::string& where);

}  // namespace openpal::pg
