// `pal attribute --dask`: pal cannot speak Dask's protocol, so it runs the Python driver openpal.dask_run (a client
// of the operator's scheduler) and reads the merged part back through a pipe (docs/scale.md).
#include "cli/cli_dask.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/cli_merged.h"
#include "cli/command.h"
#include "core/leave_for_exit.h"
#include "engine/compiled_index.h"
#include "engine/partial.h"
#include "engine/report_writer.h"

extern char** environ;

namespace openpal::cli {
namespace {

namespace fs = std::filesystem;

// The folder holding the package openpal: $OPENPAL_PYTHONPATH, else this build's python folder, else the install
// path beside the binary (<prefix>/bin/pal -> <prefix>/lib/openpal/python). Empty when none has the driver.
std::string PackageDir() {
  auto has_driver = [](const fs::path& dir) {
    std::error_code ec;
    return fs::exists(dir / "openpal" / "dask_run.py", ec);
  };
  if (const char* env = std::getenv("OPENPAL_PYTHONPATH"); env && *env) return env;
#ifdef OPENPAL_PYTHON_BUILD_DIR
  if (has_driver(OPENPAL_PYTHON_BUILD_DIR)) return OPENPAL_PYTHON_BUILD_DIR;
#endif
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "lib" / "openpal" / "python";
    if (has_driver(installed)) return installed.string();
  }
  return "";
}

// The interpreter the module was built for ($OPENPAL_PYTHON overrides it).
std::string Interpreter() {
  if (const char* env = std::getenv("OPENPAL_PYTHON"); env && *env) return env;
#ifdef OPENPAL_PYTHON_EXECUTABLE
  return OPENPAL_PYTHON_EXECUTABLE;
#else
  return "python3";
#endif
}

bool WriteAll(int fd, const std::string& bytes) {
  for (size_t at = 0; at < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

// Runs the driver with `argv`, `input` on its standard input; returns its standard output and exit status (its
// standard error is pal's). -1: it could not be started.
struct DriverResult {
  int status = -1;
  std::string output;
  std::string error;  // why it could not be started
};

DriverResult RunDriver(const std::vector<std::string>& argv, const std::string& package_dir, const std::string& input) {
  DriverResult result;
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<std::string> env_text;
  const char* old_path = std::getenv("PYTHONPATH");
  env_text.push_back("PYTHONPATH=" + package_dir + (old_path && *old_path ? ":" + std::string(old_path) : ""));
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "PYTHONPATH=", 11) != 0) env_text.push_back(*e);
  std::vector<char*> envp, args;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  if (spawned != 0) {
    ::close(in[1]);
    ::close(out[0]);
    result.error = "cannot run " + argv[0] + ": " + std::strerror(spawned);
    return result;
  }
  // The driver reads all of its input before it writes anything: write, close, then read.
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);  // a driver that died early must not kill pal
  WriteAll(in[1], input);
  ::close(in[1]);
  ::sigaction(SIGPIPE, &previous, nullptr);
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return result;
}

}  // namespace

int AttributeOnDask(const DaskRunArgs& args) {
  const auto started = std::chrono::steady_clock::now();
  if (args.scheduler.rfind("tcp://", 0) != 0 && args.scheduler.rfind("tls://", 0) != 0) {
    std::cerr << "pal attribute: --dask: expected the scheduler's address as tcp://HOST:PORT (or tls://), got "
              << args.scheduler << "\n";
    return kExitUsage;
  }
  // The directory is checked here as a local run checks it: the workers credit against the same compiled index.
  auto store = OpenExistingStore(args.db, StoreAccess::kReadOnly);
  if (!store.ok()) {
    std::cerr << "pal attribute: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  const std::string index_path = args.index.empty() ? engine::DefaultIndexPath(ResolveDbPath(args.db)) : args.index;
  auto directory = engine::LoadDirectory(**store, {index_path, !args.index.empty(), &std::cerr});
  if (!directory.ok()) {
    std::cerr << "pal attribute: " << directory.status().ToString() << "\n";
    return kExitFailure;
  }
  std::optional<engine::IndexIdentity> identity = directory->identity;
  std::error_code exists_ec;
  if (!directory->from_index && !fs::exists(index_path, exists_ec)) {
    // A run on a cluster ships a compiled index: build the default one (a local run would load the facts instead).
    if (!args.quiet) std::cerr << "attribute: --dask: building the compiled index " << index_path << "\n";
    auto built = engine::BuildCompiledIndex(**store, index_path);
    if (!built.ok()) {
      std::cerr << "pal attribute: --dask: " << built.status().ToString() << "\n";
      return kExitFailure;
    }
    identity = *built;
  } else if (!directory->from_index || !identity || identity->checksum == 0) {
    // Just rebuilt in place: its identity (with the checksum the workers check) is the file's.
    auto opened = engine::CompiledIndex::Open(index_path);
    if (!opened.ok()) {
      std::cerr << "pal attribute: --dask: " << opened.status().ToString() << "\n";
      return kExitFailure;
    }
    identity = (*opened)->identity();
  }
  LeaveForExit(std::move(directory->view));
  const std::string package_dir = PackageDir();
  if (package_dir.empty()) {
    std::cerr << "pal attribute: --dask: the Python package openpal is not found (set OPENPAL_PYTHONPATH to the "
                 "folder holding openpal/, e.g. build/python; this build has no Python module: install pybind11-dev "
                 "and python3-dev and reconfigure)\n";
    return kExitFailure;
  }
  // Workers open the paths the driver sends; a path is made absolute here (the workers' working folder is not
  // pal's), and the path as given is its label in errors and rejected rows, as in a local run. A blob is its address
  // (its own label, as in a local run) and its size from the listing; a local file's size is left to the driver.
  std::string input;
  for (const DaskInput& file : args.files) {
    std::error_code ec;
    const std::string absolute = file.blob ? file.path : fs::absolute(file.path, ec).lexically_normal().string();
    input += (ec ? file.path : absolute);
    input.push_back('\0');
    input += file.path;
    input.push_back('\0');
    if (file.blob) input += std::to_string(file.size);
    input.push_back('\0');
  }
  char checksum[32];
  std::snprintf(checksum, sizeof checksum, "%" PRIx64, identity->checksum);
  std::error_code ec;
  const std::string absolute_index = fs::absolute(index_path, ec).string();
  std::vector<std::string> argv = {Interpreter(), "-m", "openpal.dask_run", "--scheduler", args.scheduler,
                                   "--index", ec ? index_path : absolute_index, "--checksum", checksum,
                                   "--role-policy", args.role_policy, "--measure", args.measure,
                                   "--task-bytes", std::to_string(args.task_bytes)};
  if (!args.worker_index.empty()) argv.insert(argv.end(), {"--worker-index", args.worker_index});
  if (!args.quiet && ::isatty(STDERR_FILENO)) argv.push_back("--progress");
  if (args.timings) argv.push_back("--timings");
  // Each input's own result is needed to save the run (here or by pal merge --save of the part); a report needs only
  // their sum, a part smaller by about the number of inputs (docs/partial-format.md).
  if (args.save || !args.partial.empty()) argv.push_back("--per-input");
  const auto driver_from = std::chrono::steady_clock::now();
  DriverResult driver = RunDriver(argv, package_dir, input);
  const auto driver_to = std::chrono::steady_clock::now();
  if (driver.status < 0) {
    std::cerr << "pal attribute: --dask: " << driver.error << "\n";
    return kExitFailure;
  }
  if (driver.status != 0) return kExitFailure;  // the driver said why on standard error
  auto merged = engine::PartialFromBytes(driver.output, "the Dask run's merged part");
  const auto read_to = std::chrono::steady_clock::now();
  if (!merged.ok()) {
    std::cerr << "pal attribute: --dask: " << merged.status().ToString() << "\n";
    return kExitFailure;
  }
  if (merged->directory.store_id != identity->store_id || merged->directory.version != identity->directory_version) {
    std::cerr << "pal attribute: --dask: the workers credited against another directory (store "
              << merged->directory.store_id << " version " << merged->directory.version << ")\n";
    return kExitFailure;
  }
  // From here on, exactly what pal merge does (src/cli/merge_command.cc, through cli/cli_merged.h).
  if (Status complete = engine::CheckComplete(*merged); !complete.ok()) {
    std::cerr << "pal attribute: --dask: " << complete.ToString() << "\n";
    return kExitFailure;
  }
  if (!args.partial.empty()) {
    // The cluster's merged part as it came: a part of every input, as a local --partial run writes one.
    return WritePartFile(args.partial, driver.output, *merged, args.quiet);
  }
  engine::WriteRejectedLines(*merged, std::cerr);
  if (Status written = WriteMergedOutputs(*merged, args.output, args.out, args.unattributed); !written.ok()) {
    std::cerr << "pal attribute: " << written.ToString() << "\n";
    return kExitFailure;
  }
  if (args.save) {
    // Each input's own result is in the merged part (docs/partial-format.md): the run is saved as pal merge --save
    // saves one, which is what pal attribute --save saves for the same inputs.
    auto run = SaveMergedRun(*merged, args.db, args.index, args.role_policy);
    if (!run.ok()) {
      std::cerr << "pal attribute: " << run.status().ToString() << "\n";
      return run.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    if (!args.quiet) std::cerr << "attribute: saved as run " << *run << " (pal report --run " << *run << ")\n";
  }
  if (args.timings) {
    using Seconds = std::chrono::duration<double>;
    char line[256];
    std::snprintf(line, sizeof line,
                  "timings: directory %.2f s, driver %.2f s (its phases above; the rest is starting Python), read the "
                  "part %.2f s, write%s %.2f s\n",
                  Seconds(driver_from - started).count(), Seconds(driver_to - driver_from).count(),
                  Seconds(read_to - driver_to).count(), args.save ? " and save" : "",
                  Seconds(std::chrono::steady_clock::now() - read_to).count());
    std::cerr << line;
  }
  if (!args.quiet) {
    engine::WriteReconciliation(merged->result, std::cerr);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "attribute: " << merged->result.cells.size() << " report rows, "
              << merged->result.misses.size() << " unattributed groups, " << merged->result.distinct_scopes
              << " distinct scopes, " << seconds << " s on " << args.scheduler << "\n";
  }
  for (const auto& c : merged->result.reconciliation)
    if (!c.balances()) return kExitFailure;
  return kExitOk;
}

}  // namespace openpal::cli
