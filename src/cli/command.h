// How a `pal` subcommand plugs into the binary: each *_command.cc registers itself at static-init time.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "store/store.h"
#include "store/store_access.h"

namespace openpal::cli {

// Exit codes, documented in `pal --help` and the README.
inline constexpr int kExitOk = 0;       // success
inline constexpr int kExitFailure = 1;  // the work failed (bad input file, server error, ...)
inline constexpr int kExitUsage = 2;    // bad usage (unknown flag, missing argument)

// A subcommand: `setup` adds it to the app and returns the function that runs it once parsed.
// The runner returns the process exit code.
struct Command {
  std::string name;
  int order;  // position in `pal --help`
  std::function<std::function<int()>(CLI::App& app)> setup;
};

// Adds a command to the registry; call through a namespace-scope `static const bool registered = ...`.
bool RegisterCommand(Command command);
std::vector<Command>& Commands();

// The database: --db if given, else $OPENPAL_DB, else ./openpal.db. A path names an SQLite file, a
// postgresql:// URI a PostgreSQL database (store/open_store.h).
std::string ResolveDbPath(const std::string& flag_value);

// Writes the output file `path`: `write` fills the stream, which is then flushed and closed. Any failure (a full
// disk, /dev/full, a folder that does not exist) is an error naming the path: an output is never lost silently.
Status WriteOutputFile(const std::string& path, const std::function<void(std::ostream&)>& write);

// Flushes standard output; an error when anything written to it was lost (main() checks it after every command).
Status FlushStandardOutput();

// Opens the store for a command that only reads what was imported (attribute, explain, report, links): a missing
// database is an error that says how to make one, instead of a silently created empty store.
// `access`: kReadOnly (the default) never migrates or changes the store; attribute --save needs kReadWrite.
Result<std::unique_ptr<Store>> OpenExistingStore(const std::string& db_flag,
                                                 StoreAccess access = StoreAccess::kReadOnly);

}  // namespace openpal::cli
