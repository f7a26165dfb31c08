// `pal`: the openpal command line. Each subcommand lives in its own *_command.cc and registers itself.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>

#include "cli/command.h"

namespace openpal::cli {

std::vector<Command>& Commands() {
  static std::vector<Command> commands;
  return commands;
}

bool RegisterCommand(Command command) {
  Commands().push_back(std::move(command));
  return true;
}

std::string ResolveDbPath(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("OPENPAL_DB"); env && *env) return env;
  return "openpal.db";
}

// An example for commands whose file gives none (`pal COMMAND --help` ends with it).
const std::map<std::string, std::string>& DefaultExamples() {
  static const std::map<std::string, std::string> examples = {
      {"serve",
       "Example:\n  pal serve --listen 127.0.0.1:8443 --tls-cert cert.pem --tls-key key.pem --dev-issuer --db openpal.db\n"
       "  (then: pal token --tenant TID --object OID; curl --cacert cert.pem -H \"Authorization: Bearer $TOKEN\" ...)"},
      {"token",
       "Example:\n  export OPENPAL_TOKEN=$(pal token --db openpal.db --tenant 10000000-0000-4000-8000-000000000013 "
       "--object 30000000-0000-4000-8000-130000000001)"},
      {"attribute",
       "Example:\n  pal attribute --usage demo/usage/focus_2026-q3.csv --output table --unattributed unattributed.csv"},
      {"explain",
       "Example:\n  pal explain --resource /subscriptions/20000000-0000-4000-8000-000000000009 --at 2026-08-20"},
      {"report", "Example:\n  pal report --partner 4100011 --by customer,month"},
  };
  return examples;
}

Result<std::unique_ptr<Store>> OpenExistingStore(const std::string& db_flag) {
  std::string path = ResolveDbPath(db_flag);
  std::error_code error;
  if (!std::filesystem::exists(path, error))
    return Status::Error("NoDatabase",
                         "no openpal database at '" + path +
                             "': give --db PATH or set OPENPAL_DB, or create one with `pal import SNAPSHOT_DIR --db " +
                             path + "` (or try `pal demo`)");
  return OpenSqliteStore(path);
}

}  // namespace openpal::cli

int main(int argc, char** argv) {
  using namespace openpal::cli;
  CLI::App app{
      "pal: openpal, an open implementation of Azure Partner Admin Link.\n"
      "Links partner IDs to identities, keeps the directory's history, and credits partners.\n"
      "Exit codes: 0 success, 1 the work failed, 2 bad usage.",
      "pal"};

  app.require_subcommand(1);
  app.set_version_flag("--version", "pal 0.1.0");

  auto commands = Commands();
  std::sort(commands.begin(), commands.end(), [](const Command& a, const Command& b) { return a.order < b.order; });
  std::function<int()> to_run;
  for (auto& command : commands) {
    CLI::App* sub = nullptr;
    auto runner = command.setup(app);
    sub = app.get_subcommand(command.name);
    if (auto it = DefaultExamples().find(command.name); it != DefaultExamples().end() && sub->get_footer().empty())
      sub->footer(it->second);
    sub->callback([&to_run, runner]() { to_run = runner; });
  }
  app.footer(
      "Run `pal COMMAND --help` for a command's flags and examples; docs/cli.md describes every command.\n"
      "Start with:\n"
      "  pal demo                                   # the whole product on the demo world, in seconds\n"
      "  pal import demo/snapshots/2026-07-01       # add a directory snapshot to the history\n"
      "  pal links --partner 4100011                # who is linked to a partner ID, and what is at risk\n"
      "Environment: OPENPAL_DB (the store, default ./openpal.db), OPENPAL_ENDPOINT and OPENPAL_TOKEN\n"
      "(for `pal managementpartner`).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints the message and "Run with --help for more information."
    return e.get_exit_code() == 0 ? code : kExitUsage;
  }
  return to_run ? to_run() : kExitUsage;
}
