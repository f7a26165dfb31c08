// `pal`: the openpal command line. Each subcommand lives in its own *_command.cc and registers itself.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "store/open_store.h"

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

Status WriteOutputFile(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Error(StatusCode::kIoError, std::string("cannot create the file: ") + std::strerror(errno), path);
  write(out);
  // Written bytes sit in the stream's buffer until here: only flush and close tell whether they reached the file.
  out.flush();
  const int flush_errno = errno;
  out.close();
  if (out.fail())
    return Status::Error(StatusCode::kIoError, std::string("cannot write the file: ") + std::strerror(flush_errno ? flush_errno : errno),
                         path);
  return Status::Ok();
}

Status FlushStandardOutput() {
  errno = 0;
  std::cout.flush();
  if (!std::cout.good() || std::fflush(stdout) != 0 || std::ferror(stdout))
    return Status::Error(StatusCode::kIoError, std::string("cannot write: ") + (errno ? std::strerror(errno) : "write error"),
                         "standard output");
  return Status::Ok();
}

Result<std::unique_ptr<Store>> OpenExistingStore(const std::string& db_flag, StoreAccess access) {
  std::string path = ResolveDbPath(db_flag);
  // A PostgreSQL database is not a file: an empty or missing one is refused by the store itself (read-only opening
  // checks the schema and says what to run).
  if (IsPostgresUri(path)) return OpenStore(path, access);
  std::error_code error;
  if (!std::filesystem::exists(path, error))
    return Status::Error(StatusCode::kInvalidArgument,
                         "no openpal database at '" + path +
                             "': give --db PATH or set OPENPAL_DB, or create one with `pal import SNAPSHOT_DIR --db " +
                             path + "` (or try `pal demo`)");
  return OpenSqliteStore(path, access);
}

}  // namespace openpal::cli

namespace {

// `--db ""` (an unset variable in a script) must not fall back to ./openpal.db, another store than meant: every
// command's --db, nested subcommands' too, refuses an empty path.
void RefuseEmptyDb(CLI::App* app) {
  if (CLI::Option* db = app->get_option_no_throw("--db"))
    db->check(CLI::Validator(
        [](std::string& value) -> std::string {
          return value.empty() ? "--db needs a database path, not an empty string (omit --db for $OPENPAL_DB or "
                                 "./openpal.db)"
                               : std::string();
        },
        "PATH", "NonEmptyPath"));
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) RefuseEmptyDb(sub);
}

}  // namespace

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
  std::string ran;  // the command's name
  for (auto& command : commands) {
    CLI::App* sub = nullptr;
    auto runner = command.setup(app);
    sub = app.get_subcommand(command.name);
    if (auto it = DefaultExamples().find(command.name); it != DefaultExamples().end() && sub->get_footer().empty())
      sub->footer(it->second);
    sub->callback([&to_run, &ran, runner, name = command.name]() {
      to_run = runner;
      ran = name;
    });
    RefuseEmptyDb(sub);
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
  if (!to_run) return kExitUsage;
  int code = to_run();
  // Whatever the command wrote to standard output must have reached it (a full disk, /dev/full, a closed pipe):
  // a lost report is a failure, not a success. `pal serve` is the exception: its standard output carries status
  // lines (listening on ..., stopped), not a result, and a supervisor may have stopped reading them long before the
  // server stops; its exit status says how serving ended.
  if (openpal::Status s = ran == "serve" ? openpal::Status::Ok() : FlushStandardOutput(); !s.ok()) {
    std::cerr << "pal: " << s.ToString() << "\n";
    return kExitFailure;
  }
  return code;
}
