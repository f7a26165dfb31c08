// `pal`: the openpal command line. Each subcommand lives in its own *_command.cc and registers itself.
#include <algorithm>
#include <cstdlib>
#include <iostream>

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
    sub->callback([&to_run, runner]() { to_run = runner; });
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return e.get_exit_code() == 0 ? code : kExitUsage;
  }
  return to_run ? to_run() : kExitUsage;
}
