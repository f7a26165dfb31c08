// The one way tests run processes (process.h): fork, redirect, exec, wait with a bound.
#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace openpal::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// A fresh, empty file under the temporary folder, removed when this goes out of scope.
class TempFile {
 public:
  TempFile() {
    std::string pattern = (fs::temp_directory_path() / "openpal-proc-XXXXXX").string();
    int fd = ::mkstemp(pattern.data());
    if (fd >= 0) {
      ::close(fd);
      path_ = pattern;
    }
  }
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The test's environment with `changes` applied ("NAME=value" sets, "NAME" removes).
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& changes) {
  std::vector<std::string> env;
  auto name_of = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    bool replaced = false;
    for (const auto& c : changes) replaced = replaced || name_of(c) == name_of(kv);
    if (!replaced) env.push_back(kv);
  }
  for (const auto& c : changes)
    if (c.find('=') != std::string::npos) env.push_back(c);
  return env;
}

// `program` as a path: itself when it names one, else the first executable of that name in `path_list`.
std::string Resolve(const std::string& program, const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return program;
  std::string path_list = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& kv : env)
    if (kv.rfind("PATH=", 0) == 0) path_list = kv.substr(5);
  std::stringstream dirs(path_list);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return program;  // execve fails: exit 127, as a shell reports a missing command
}

int StatusToCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Forks and execs `program args` with `env`; the child's descriptors 0, 1, 2 opened from these paths ("" =
// /dev/null; `out_path == err_path` shares one descriptor, as 2>&1 does). Everything is prepared before the fork:
// the child of a threaded process should not allocate.
pid_t Spawn(const std::string& program, const std::vector<std::string>& args, const std::vector<std::string>& env,
            const std::string& in_path, const std::string& out_path, const std::string& err_path, bool err_to_out,
            int death_signal) {
  const std::string exe = Resolve(program, env);
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& kv : env) envp.push_back(const_cast<char*>(kv.c_str()));
  envp.push_back(nullptr);
  const char* in = in_path.empty() ? "/dev/null" : in_path.c_str();
  const char* out = out_path.empty() ? "/dev/null" : out_path.c_str();
  const char* err = err_path.empty() ? "/dev/null" : err_path.c_str();
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, death_signal);
  if (::getppid() != parent) ::_exit(127);  // the test binary died before the line above took effect
  int i = ::open(in, O_RDONLY);
  int o = ::open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int e = err_to_out ? o : ::open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (i < 0 || o < 0 || e < 0) ::_exit(126);
  ::dup2(i, 0);
  ::dup2(o, 1);
  ::dup2(e, 2);
  ::execve(exe.c_str(), argv.data(), envp.data());
  const char* why = std::strerror(errno);
  (void)!::write(2, why, std::strlen(why));
  ::_exit(127);
}

}  // namespace

std::string SlurpFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string PalBinary() {
  const char* env = std::getenv("OPENPAL_PAL");
  return env && *env ? env : OPENPAL_PAL_BINARY;
}

std::string ImportDemoWorld(const std::string& db) {
  for (const char* day : {"2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"}) {
    ProcessResult r = RunPal({"import", std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots/" + day, "--db", db});
    if (r.exit_code != 0) return std::string("pal import ") + day + ": " + r.err;
  }
  return "";
}

std::vector<std::string> SplitArgs(const std::string& text) {
  std::vector<std::string> args;
  std::stringstream words(text);
  for (std::string w; words >> w;) args.push_back(w);
  return args;
}

ProcessResult Run(const std::string& program, const std::vector<std::string>& args, const RunOptions& options) {
  TempFile in, out, err;
  if (!options.input.empty()) std::ofstream(in.path(), std::ios::binary) << options.input;
  const std::string out_path = options.stdout_path.empty() ? out.path() : options.stdout_path;
  const std::string err_path = options.stderr_path.empty() ? err.path() : options.stderr_path;
  ProcessResult result;
  pid_t pid = Spawn(program, args, ChildEnvironment(options.env), options.input.empty() ? "" : in.path(), out_path,
                    err_path, options.stderr_to_stdout, SIGKILL);
  if (pid < 0) return result;
  const auto deadline = Clock::now() + std::chrono::seconds(options.timeout_seconds);
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, WNOHANG, &usage) == 0) {
    if (Clock::now() > deadline) {
      result.timed_out = true;
      Child child{pid};
      child.Stop(5);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.max_rss_kib = usage.ru_maxrss;  // KiB on Linux
  result.exit_code = result.timed_out ? 124 : StatusToCode(status);
  if (options.stdout_path.empty()) result.out = SlurpFile(out.path());
  if (options.stderr_path.empty() && !options.stderr_to_stdout) result.err = SlurpFile(err.path());
  return result;
}

ProcessResult RunPal(const std::vector<std::string>& args, const RunOptions& options) {
  return Run(PalBinary(), args, options);
}

int Child::Stop(int seconds) {
  if (pid <= 0) return -1;
  ::kill(pid, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (Clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      return StatusToCode(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  pid = -1;
  return -1;
}

Child Start(const std::string& program, const std::vector<std::string>& args, const RunOptions& options,
            int death_signal) {
  return Child{Spawn(program, args, ChildEnvironment(options.env), "", options.stdout_path, options.stderr_path,
                     options.stderr_to_stdout, death_signal)};
}

bool WaitForText(const std::string& path, const std::regex& pattern, int seconds, std::vector<std::string>* groups,
                 const Child* child) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  for (bool last = false;; std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
    std::string text = SlurpFile(path);
    std::smatch m;
    if (std::regex_search(text, m, pattern)) {
      if (groups) groups->assign(m.begin(), m.end());
      return true;
    }
    if (last || Clock::now() > deadline) return false;
    siginfo_t info{};
    // Exited (left unreaped, for its owner's Stop): one more look at what it wrote, then give up.
    if (child && child->pid > 0 &&
        ::waitid(P_PID, static_cast<id_t>(child->pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0)
      last = true;
  }
}

}  // namespace openpal::testing
