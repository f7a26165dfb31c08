// Test support: run a program (pal, a generator, a shell tool) as a child process with arguments, environment,
// standard input and a time bound, capturing its output and exit status; start a server child and stop it by PID.
// The one way tests start processes: every wait is bounded and every child dies with the test binary.
#pragma once

#include <sys/types.h>

#include <regex>
#include <string>
#include <vector>

namespace openpal::testing {

// How to run a child. The defaults: the test's environment, empty standard input, both outputs captured, 60 s.
struct RunOptions {
  std::vector<std::string> env;        // "NAME=value" set (replacing the test's own), or "NAME" removed
  std::string input;                   // written to the child's standard input (then end of file)
  int timeout_seconds = 60;            // then SIGTERM, and SIGKILL 5 s later
  std::string stdout_path;             // standard output to this file (e.g. /dev/full) instead of captured
  std::string stderr_path;             // standard error to this file instead of captured
  bool stderr_to_stdout = false;       // standard error interleaved into `out`, as `2>&1` does
};

// What a finished child did.
struct ProcessResult {
  int exit_code = -1;      // its exit status; 128 + signal when a signal ended it; 124 when the time bound did
  bool timed_out = false;  // stopped at the time bound (exit_code 124, as timeout(1) reports)
  std::string out, err;    // captured standard output and error ("" where redirected to a file)
  long max_rss_kib = 0;    // its peak resident memory (ru_maxrss)
};

// Runs `program` (a path, or a name looked up in PATH) with `args`, waits for it within the time bound.
ProcessResult Run(const std::string& program, const std::vector<std::string>& args, const RunOptions& options = {});

// The pal binary under test: $OPENPAL_PAL when set, else the one this build made.
std::string PalBinary();

// Run(PalBinary(), args, options).
ProcessResult RunPal(const std::vector<std::string>& args, const RunOptions& options = {});

// Imports the four demo snapshots (demo/snapshots) into `db` with `pal import`; returns "" or what failed.
std::string ImportDemoWorld(const std::string& db);

// Splits a command line on spaces, for tests that compose arguments as text. No quoting: an argument holding a
// space must be passed in a vector instead.
std::vector<std::string> SplitArgs(const std::string& text);

// A long-running child (a server). Not copied: moved, or held by one owner who stops it.
struct Child {
  pid_t pid = -1;
  // SIGTERM, then waits up to `seconds` (then SIGKILL); returns its exit status (128 + signal when a signal ended
  // it), or -1 when it had to be killed or was not running.
  int Stop(int seconds = 15);
};

// Starts `program args...` without waiting: standard output and error to `options.stdout_path` and
// `options.stderr_path` ("" = /dev/null), standard input empty. The child gets `death_signal` when the test binary
// dies. `options.timeout_seconds` and `input` do not apply.
Child Start(const std::string& program, const std::vector<std::string>& args, const RunOptions& options = {},
            int death_signal = 9 /* SIGKILL */);

// Polls the file at `path` until `pattern` matches its text, for up to `seconds`; the match and its groups in
// `*groups`. False when it did not match within the bound, or when `child` (if given) exited first.
bool WaitForText(const std::string& path, const std::regex& pattern, int seconds,
                 std::vector<std::string>* groups = nullptr, const Child* child = nullptr);

// The whole file at `path` ("" when it cannot be read).
std::string SlurpFile(const std::string& path);

}  // namespace openpal::testing
