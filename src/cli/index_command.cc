// `pal index build`: compiles the directory into one memory-mapped file (docs/index-format.md) that `pal attribute`,
// `pal explain` and `pal serve` read instead of loading every fact from the store.
#include <chrono>
#include <iostream>

#include "cli/command.h"
#include "engine/compiled_index.h"
#include "store/open_store.h"

namespace openpal::cli {
namespace {

struct IndexArgs {
  std::string db, index;
};

int BuildIndex(const IndexArgs& args) {
  const auto started = std::chrono::steady_clock::now();
  auto store = OpenExistingStore(args.db);
  if (!store.ok()) {
    std::cerr << "pal index build: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  const std::string path = args.index.empty() ? StoreSideFile(ResolveDbPath(args.db), ".index") : args.index;
  auto built = engine::BuildCompiledIndex(**store, path);
  if (!built.ok()) {
    std::cerr << "pal index build: " << built.status().ToString() << "\n";
    return kExitFailure;
  }
  std::cout << "compiled index " << path << ": store " << built->store_id << ", directory version "
            << built->directory_version << ", in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s\n";
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "index", 25, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<IndexArgs>();
      CLI::App* index = app.add_subcommand("index", "Compile the directory into a file that attribute and explain map");
      index->require_subcommand(1);
      CLI::App* build = index->add_subcommand(
          "build", "Write the compiled directory index (default <db>.index); pal import keeps an existing one fresh");
      build->add_option("--db", args->db, "Database path (default $OPENPAL_DB or ./openpal.db)");
      build->add_option("--index", args->index, "Where to write it (default: the database path + .index)");
      return [args, build]() -> int {
        if (build->parsed()) return BuildIndex(*args);
        return kExitUsage;
      };
    }});

}  // namespace
}  // namespace openpal::cli
