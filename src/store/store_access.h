// Opening the SQLite store for reading only or for writing (OpenSqliteStore in store.h is the writing one).
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace openpal {

// How a command uses the store: kReadOnly never creates, migrates or stamps it (an old schema is refused, saying
// what to run); kReadWrite creates and migrates it. Both refuse a database that is not openpal's before changing a
// byte of it (docs/store.md, "Identity").
enum class StoreAccess { kReadWrite, kReadOnly };

// Opens the SQLite store at `path` with `access`; OpenSqliteStore(path) is OpenSqliteStore(path, kReadWrite).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, StoreAccess access);

}  // namespace openpal
