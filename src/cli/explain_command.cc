// `pal explain`: why a resource's usage is (or is not) credited to partners at one moment.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "engine/compiled_index.h"
#include "store/open_store.h"
#include "engine/explain.h"

namespace openpal::cli {
namespace {

struct ExplainArgs {
  std::string resource, at, partner, db, index, output = "text", role_policy = "all";
};

int RunExplain(const ExplainArgs& args) {
  auto at = ParseTime(args.at);
  if (!at.ok()) {
    std::cerr << "pal explain: --at: " << at.status().ToString() << "\n";
    return kExitUsage;
  }
  Result<RolePolicy> policy = RolePolicy::All();
  if (args.role_policy == "pec") {
    policy = RolePolicy::Pec();
  } else if (args.role_policy != "all") {
    std::ifstream in(args.role_policy, std::ios::binary);
    if (!in) {
      std::cerr << "pal explain: --role-policy is neither all, pec nor a readable file: " << args.role_policy << "\n";
      return kExitUsage;
    }
    std::stringstream text;
    text << in.rdbuf();
    policy = RolePolicy::FromText(text.str(), args.role_policy);
    if (!policy.ok()) {
      std::cerr << "pal explain: " << policy.status().ToString() << "\n";
      return kExitFailure;
    }
  }
  auto store = OpenExistingStore(args.db);
  if (!store.ok()) {
    std::cerr << "pal explain: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  auto index = engine::LoadDirectory(
      **store, {args.index.empty() ? StoreSideFile(ResolveDbPath(args.db), ".index") : args.index, !args.index.empty(),
                &std::cerr});
  if (!index.ok()) {
    std::cerr << "pal explain: " << index.status().ToString() << "\n";
    return kExitFailure;
  }
  std::optional<std::string> partner;
  if (!args.partner.empty()) partner = args.partner;
  auto e = engine::Explain(*index->view, *policy, args.resource, *at, partner);
  if (!e.ok()) {
    std::cerr << "pal explain: " << e.status().ToString() << "\n";
    return kExitUsage;
  }
  std::cout << (args.output == "json" ? engine::ExplanationJson(*e) : engine::ExplanationText(*e));
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "explain", 41, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<ExplainArgs>();
      CLI::App* sub = app.add_subcommand(
          "explain", "Show every path from partners to a resource at a moment, and why each does or does not qualify");
      sub->add_option("--resource", args->resource, "Resource ID, scope, or subscription GUID")->required();
      sub->add_option("--at", args->at, "The moment (ISO 8601, or a date = midnight UTC)")->required();
      sub->add_option("--partner", args->partner, "Only the paths of principals linked to this partner ID");
      sub->add_option("--db", args->db, "Database: an SQLite file or a postgresql:// URI (default $OPENPAL_DB or ./openpal.db)");
      sub->add_option("--index", args->index,
                      "Compiled directory index to use; it must be fresh (default: <db>.index when present)");
      sub->add_option("--role-policy", args->role_policy, "all (default), pec, or a file of role GUIDs");
      sub->add_option("--output", args->output, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
      return [args] { return RunExplain(*args); };
    }});

}  // namespace
}  // namespace openpal::cli
