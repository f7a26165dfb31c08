// `pal import SNAPSHOT_DIR`: reads a directory snapshot and adds it to the store's history (docs/import.md).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "core/time.h"
#include "engine/compiled_index.h"
#include "ingest/snapshot_import.h"
#include "ingest/snapshot_reader.h"
#include "store/store.h"
#include "store/open_store.h"

namespace openpal::cli {
namespace {

struct ImportFlags {
  std::string directory;
  std::string as_of;
  std::string assume_since;
  std::string db;
  bool allow_empty_partners = false;
};

// Progress on stderr when it is a terminal, for files big enough to take a while.
ingest::ProgressFn TerminalProgress() {
  if (!isatty(2)) return nullptr;
  return [](const std::string& file, uint64_t done, uint64_t total) {
    constexpr uint64_t kLargeFile = 16ull << 20;
    if (total < kLargeFile) return;
    std::fprintf(stderr, "\r  reading %s: %3d%% of %llu MB", file.c_str(), static_cast<int>(done * 100 / total),
                 static_cast<unsigned long long>(total >> 20));
    if (done >= total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
}

int RunImport(const ImportFlags& flags) {
  auto fail = [](const Status& s) {
    std::cerr << "pal import: error: " << s.ToString() << "\n";
    return kExitFailure;
  };
  ingest::ReadOptions options;
  if (!flags.as_of.empty()) {
    auto t = ParseTime(flags.as_of);
    if (!t.ok()) return fail(t.status().WithContext("--as-of"));
    options.as_of = *t;
  }
  if (!flags.assume_since.empty()) {
    auto t = ParseTime(flags.assume_since);
    if (!t.ok()) return fail(t.status().WithContext("--assume-since"));
    options.assume_since = *t;
  }
  options.progress = TerminalProgress();
  options.allow_empty_partners = flags.allow_empty_partners;
  auto started = std::chrono::steady_clock::now();
  auto snapshot = ingest::ReadSnapshot(flags.directory, options);
  if (!snapshot.ok()) return fail(snapshot.status());
  if (isatty(2)) std::cerr << "  applying to the history...\n";
  const std::string db_path = ResolveDbPath(flags.db);
  auto store = OpenStore(db_path);
  if (!store.ok()) return fail(store.status());
  auto summary = ingest::ImportSnapshot(**store, *snapshot);
  if (!summary.ok()) return fail(summary.status());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << summary->ToText() << "  into " << (*store)->Describe() << " in " << seconds << " s\n";
  // A compiled index the user built is kept fresh: the import made it stale, and rebuilding now costs what the next
  // command would otherwise pay. None is made unasked (docs/index-format.md "When it is rebuilt").
  const std::string index_path = StoreSideFile(db_path, ".index");
  std::error_code ec;
  if (std::filesystem::exists(index_path, ec)) {
    const auto indexing = std::chrono::steady_clock::now();
    auto built = engine::BuildCompiledIndex(**store, index_path);
    if (!built.ok()) {
      std::cerr << "pal import: warning: the import is committed, but the compiled index could not be rebuilt ("
                << built.status().ToString() << "); it is stale and will be rebuilt by the next command that uses it\n";
    } else {
      std::cout << "  compiled index " << index_path << " rebuilt (directory version " << built->directory_version
                << ") in " << std::chrono::duration<double>(std::chrono::steady_clock::now() - indexing).count()
                << " s\n";
    }
  }
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "import", 20, [](CLI::App& app) -> std::function<int()> {
      auto flags = std::make_shared<ImportFlags>();
      CLI::App* sub = app.add_subcommand(
          "import", "Add a directory snapshot (Graph, az and ARM exports of one moment) to the history");
      // The long story goes in the footer: the one-line description is what `pal --help` lists.
      sub->footer(
          "A present file is the complete truth for its kind in its tenant; an absent file changes nothing.\n"
          "The whole snapshot is imported in one transaction, or nothing is (exit status 1, message naming\n"
          "the file, line, JSON path and what was expected). Importing the same snapshot twice changes nothing;\n"
          "a snapshot older than the newest one imported for any of its tenants is refused.\n"
          "Examples:\n"
          "  pal import demo/snapshots/2026-07-01\n"
          "  pal import exports/today --as-of 2026-10-01T00:00:00Z --db /var/lib/openpal/openpal.db\n"
          "  pal import exports/today --assume-since 2026-07-01   # audit last quarter from one snapshot\n"
          "Format: docs/import.md.");
      sub->add_option("SNAPSHOT_DIR", flags->directory,
                      "the snapshot folder: snapshot.json, partners.csv, tenants/<tenantId>/*.json")
          ->required();
      sub->add_option("--as-of", flags->as_of,
                      "the moment the snapshot shows (wins over snapshot.json's asOf), e.g. 2026-10-01T00:00:00Z");
      sub->add_option("--assume-since", flags->assume_since,
                      "what a tenant's first observation of a kind shows held since this time (facts without their\n"
                      "own timestamp start then instead of at asOf), e.g. --assume-since 2026-07-01");
      sub->add_option("--db", flags->db,
                      "the store (SQLite file); default $OPENPAL_DB, else ./openpal.db, e.g. --db /tmp/pal.db");
      sub->add_flag("--allow-empty-partners", flags->allow_empty_partners,
                    "accept a partners.csv with a header and no rows, which closes every partner in the history\n"
                    "(refused without this flag: it is more often a broken export than an empty directory)");
      return [flags]() { return RunImport(*flags); };
    }});

}  // namespace
}  // namespace openpal::cli
