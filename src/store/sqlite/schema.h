// The store's SQLite schema as a list of versioned migrations, applied in order at open (PRAGMA user_version).
// Layout and rules: docs/store.md.
#pragma once

#include "core/status.h"
#include "store/sqlite/connection.h"

namespace openpal::sqlite {

// The schema version this binary writes; a database with a higher user_version is refused.
int LatestSchemaVersion();

// Brings the database behind `c` to LatestSchemaVersion(), one migration per transaction. Refuses
// (code FailedPrecondition) a database written by a newer binary. Safe when several processes open at once.
Status Migrate(Connection& c);

// For a command that only reads: Ok when the store is at LatestSchemaVersion(); otherwise an error saying what to
// run (FailedPrecondition: empty or older, which a command that writes upgrades; or newer). Changes nothing.
Status CheckSchemaForReading(Connection& c);

// Run inside every transaction that changes facts, before its commit: the directory version (Store::
// CurrentDirectoryVersion) grows with it, so a compiled index built before the change is seen to be stale.
inline constexpr const char* kBumpDirectoryVersionSql =
    "UPDATE directory_version SET version = version + 1 WHERE id = 1";

}  // namespace openpal::sqlite
