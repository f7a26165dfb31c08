// Test helpers for the link commands: run `pal` with a time bound and capture its output; build a store of the
// demo world; start `pal serve --dev-issuer` over TLS. Every wait is bounded.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace openpal::testing {

struct PalRun {
  int exit_code = -1;  // -1: killed at the time bound
  std::string out, err;
};

inline std::string PalBinary() {
  const char* env = std::getenv("OPENPAL_PAL");
  return env && *env ? env : OPENPAL_PAL_BINARY;
}

inline std::string SlurpFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string TempDir(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
  return ::mkdtemp(pattern.data()) ? pattern : std::string();
}

// Runs `pal args...` with `env` added ("NAME=value"), output to files, killed after `timeout_seconds`.
inline PalRun RunPal(const std::vector<std::string>& args, int timeout_seconds = 60,
                     const std::vector<std::string>& env = {}) {
  static int counter = 0;
  std::string base = std::filesystem::temp_directory_path().string() + "/pal-run-" + std::to_string(::getpid()) +
                     "-" + std::to_string(counter++);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int o = ::open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    for (const auto& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
    std::string exe = PalBinary();
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  PalRun run;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (status != -1 && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  run.out = SlurpFile(base + ".out");
  run.err = SlurpFile(base + ".err");
  std::filesystem::remove(base + ".out");
  std::filesystem::remove(base + ".err");
  return run;
}

// Imports the four demo snapshots into `db`; returns "" or what failed.
inline std::string ImportDemoWorld(const std::string& db) {
  for (const char* day : {"2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"}) {
    PalRun r = RunPal({"import", std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots/" + day, "--db", db});
    if (r.exit_code != 0) return std::string("pal import ") + day + ": " + r.err;
  }
  return "";
}

// A `pal serve --dev-issuer` child over TLS (the certificate at `cert`), dying with the test binary.
struct DevServer {
  pid_t pid = -1;
  int port = 0;
  std::string error;
  void Stop() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 1000 && ::waitpid(pid, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (::waitpid(pid, &status, WNOHANG) == 0) ::kill(pid, SIGKILL), ::waitpid(pid, &status, 0);
    pid = -1;
  }
};

// `extra`: more arguments of pal serve.
inline DevServer StartDevServer(const std::string& dir, const std::string& db, const std::string& cert,
                                const std::string& key, const std::vector<std::string>& extra = {}) {
  DevServer s;
  std::string out = dir + "/serve.out";
  s.pid = ::fork();
  if (s.pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open((dir + "/serve.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::string exe = PalBinary();
    std::vector<std::string> args = {exe, "serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert", cert,
                                     "--tls-key", key, "--dev-issuer", "--threads", "8"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  std::regex port_re("listening on https://127\\.0\\.0\\.1:([0-9]+)");
  for (int i = 0; i < 1500; ++i) {  // 15 s
    std::smatch m;
    std::string text = SlurpFile(out);
    if (std::regex_search(text, m, port_re)) {
      s.port = std::stoi(m[1]);
      return s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.error = "pal serve did not start: " + SlurpFile(dir + "/serve.log");
  s.Stop();
  return s;
}

// The digits of times with a fraction (ARM's 7 digits, ISO's 6) become 'N': they vary from run to run; the width
// stays, so aligned tables stay aligned.
inline std::string NormaliseTimes(std::string text) {
  static const std::regex time("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]+Z");
  for (std::sregex_iterator it(text.begin(), text.end(), time), end; it != end; ++it)
    for (long i = it->position(); i < it->position() + it->length(); ++i)
      if (text[i] >= '0' && text[i] <= '9') text[i] = 'N';
  return text;
}

// Compares `actual` with the golden file `name` in `dir`; OPENPAL_UPDATE_GOLDEN=1 rewrites it instead.
inline std::string CheckGolden(const std::string& dir, const std::string& name, const std::string& actual) {
  std::string path = dir + "/" + name;
  if (const char* update = std::getenv("OPENPAL_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return "";
  }
  if (!std::filesystem::exists(path)) return "missing golden file " + path + " (OPENPAL_UPDATE_GOLDEN=1 writes it)";
  std::string expected = SlurpFile(path);
  return expected == actual ? "" : "differs from " + path + "; got:\n" + actual;
}

}  // namespace openpal::testing
