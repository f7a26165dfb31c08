// `pal demo`: openpal end to end in under a minute on the shipped demo world: a fresh store, four snapshots,
// `pal serve` over TLS with the dev issuer, a link made through the ARM API, attribution saved and reported, the
// link inventory, one explain, the portal's URL, and what to try next.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/arm_client.h"
#include "api/dev_issuer.h"
#include "api/tls.h"
#include "cli/command.h"
#include "engine/link_inventory.h"
#include "store/store.h"
#include "store/open_store.h"

namespace openpal::cli {

// From links_command.cc and managementpartner_command.cc.
void WriteLinkInventory(const engine::LinkInventory& inventory, const std::string& format, std::ostream& out);
nlohmann::json FlattenPartnerResponse(const nlohmann::json& body);
void WriteAzOutput(const nlohmann::json& flat, const std::string& format, bool colour, std::ostream& out);

namespace {

namespace fs = std::filesystem;

// The principal that links during the demo (demo/README.md: Wendy Importer of Wide World Importers, Owner of S15,
// which no partner is credited for until she links) and the Contoso location ID she links to.
constexpr const char* kDemoTenant = "10000000-0000-4000-8000-000000000013";
constexpr const char* kDemoUser = "30000000-0000-4000-8000-130000000001";
constexpr const char* kDemoPartner = "4100011";
constexpr const char* kDemoResource = "/subscriptions/20000000-0000-4000-8000-000000000015";

struct DemoArgs {
  std::string dir, data, db;
  bool keep_running = false;
};

std::string SelfExe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("pal") : p.string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs this binary with `args`, stdout and stderr to files in `dir`; returns the exit code (-1 if it could not run
// or overran `timeout`), the outputs in `out`/`err`.
int RunPal(const std::vector<std::string>& args, const std::string& dir, std::string& out, std::string& err,
           int timeout_seconds = 60) {
  std::string out_path = dir + "/.step.out", err_path = dir + "/.step.err";
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) ::_exit(127);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::string exe = SelfExe();
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  out = ReadFile(out_path);
  err = ReadFile(err_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Indent(const std::string& text, const std::string& pad = "    ") {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out += (line.empty() ? "" : pad) + line + "\n";
  return out;
}

void Section(int n, const std::string& title) {
  std::cout << "\n" << n << ". " << title << "\n" << std::string(3 + title.size(), '-') << "\n";
}

// `pal serve` as a child process (it dies with us: PR_SET_PDEATHSIG), its first stdout line giving the port.
struct ServerChild {
  pid_t pid = -1;
  int port = 0;
  int Stop() {
    if (pid <= 0) return 0;
    ::kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 1000 && ::waitpid(pid, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

Result<ServerChild> StartServer(const std::string& dir, const std::string& db, const std::string& cert,
                                const std::string& key) {
  std::string out_path = dir + "/serve.out", log_path = dir + "/serve.log";
  ServerChild child;
  child.pid = ::fork();
  if (child.pid < 0) return Status::Error(StatusCode::kIoError, "cannot start pal serve: fork failed");
  if (child.pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) ::_exit(127);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::string exe = SelfExe();
    ::execl(exe.c_str(), exe.c_str(), "serve", "--db", db.c_str(), "--listen", "127.0.0.1:0", "--tls-cert",
            cert.c_str(), "--tls-key", key.c_str(), "--dev-issuer", "--threads", "16", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  const std::string marker = "listening on https://127.0.0.1:";
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = ReadFile(out_path);
    if (auto at = text.find(marker); at != std::string::npos) {
      child.port = std::atoi(text.c_str() + at + marker.size());
      return child;
    }
    int status = 0;
    if (::waitpid(child.pid, &status, WNOHANG) == child.pid) {
      child.pid = -1;
      return Status::Error(StatusCode::kIoError, "pal serve exited at start: " + ReadFile(log_path));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  child.Stop();
  return Status::Error(StatusCode::kIoError, "pal serve did not start within 20 s; see " + log_path);
}

// "14 tenant(s), partners.csv: 115 facts opened, 0 closed" from `pal import`'s summary.
std::string ImportLine(const std::string& out) {
  std::istringstream in(out);
  std::string first, line, total;
  std::getline(in, first);
  while (std::getline(in, line))
    if (line.rfind("  total", 0) == 0) total = line;
  std::string what = first.substr(first.find("):") == std::string::npos ? 0 : first.find("):") + 3);
  std::istringstream t(total);
  std::string word;
  long opened = 0, closed = 0;
  t >> word >> opened >> closed;
  return what + ": " + std::to_string(opened) + " facts opened, " + std::to_string(closed) + " closed";
}

std::vector<std::string> Listing(const fs::path& dir, bool directories, const std::string& suffix = "") {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (directories ? e.is_directory() : e.is_regular_file()) {
      std::string name = e.path().string();
      if (suffix.empty() || (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0))
        out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

int Fail(const std::string& what, ServerChild* server = nullptr) {
  std::cerr << "\npal demo: " << what << "\n";
  if (server) server->Stop();
  return kExitFailure;
}

int RunDemo(const DemoArgs& args) {
  auto started = std::chrono::steady_clock::now();
  fs::path data = args.data.empty() ? fs::path(SelfExe()).parent_path().parent_path() / "demo" : fs::path(args.data);
  auto snapshots = Listing(data / "snapshots", true);
  auto usage = Listing(data / "usage", false, ".csv");
  if (snapshots.empty() || usage.empty()) {
    std::cerr << "pal demo: no demo data at " << data.string()
              << " (expected snapshots/ and usage/*.csv): give --data DIR, e.g. --data ~/openpal/demo\n";
    return kExitUsage;
  }
  std::string dir = args.dir;
  if (dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "openpal-demo-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) return Fail("cannot create a temporary folder in " + fs::temp_directory_path().string());
    dir = pattern;
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Fail("cannot create " + dir + ": " + ec.message());
    dir = fs::absolute(dir).string();
  }
  std::string db = dir + "/openpal.db";
  if (!args.db.empty()) {
    // The demo on PostgreSQL: an empty database (the demo starts from nothing, and never mixes into real data).
    if (!IsPostgresUri(args.db)) {
      std::cerr << "pal demo: --db takes a PostgreSQL URI (postgresql://...) of an empty database; on SQLite the demo "
                   "makes its own store in --dir.\n";
      return kExitUsage;
    }
    auto store = OpenStore(args.db);
    if (!store.ok()) return Fail(store.status().ToString());
    auto tenants = (*store)->CountFacts(FactKind::kTenant);
    if (!tenants.ok()) return Fail(tenants.status().ToString());
    if (tenants->first > 0) {
      std::cerr << "pal demo: " << (*store)->Describe() << " already holds a history; the demo starts from an empty "
                << "database.\n  Give another --db (CREATE DATABASE ...).\n";
      return kExitUsage;
    }
    db = args.db;
  } else if (fs::exists(db)) {
    std::cerr << "pal demo: " << db << " already exists; the demo starts from a fresh store.\n"
              << "  Give another --dir, or remove that folder's openpal.db* files.\n";
    return kExitUsage;
  }
  std::cout << "openpal demo: Partner Admin Link, end to end, on a small made-up world\n"
            << "  (two partner organisations, twelve customers, a quarter of history; see " << (data / "README.md").string()
            << ")\n  Everything is kept in " << dir << "\n";

  std::string out, err;
  Section(1, "Directory history: " + std::to_string(snapshots.size()) + " snapshots into a fresh store");
  for (const auto& snap : snapshots) {
    if (RunPal({"import", snap, "--db", db}, dir, out, err) != 0) return Fail("pal import " + snap + " failed:\n" + err);
    std::cout << "  " << fs::path(snap).filename().string() << "  " << ImportLine(out) << "\n";
  }

  Section(2, "The link API: pal serve (HTTPS, self-signed certificate, dev token issuer)");
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  if (Status s = api::WriteSelfSignedCertificate("127.0.0.1", cert, key); !s.ok())
    return Fail("cannot write the certificate: " + s.ToString());
  // Created before the server starts so that both use one key (creation is atomic either way).
  auto issuer = api::DevIssuer::LoadOrCreate(api::DevIssuer::KeyPathFor(db));
  if (!issuer.ok()) return Fail(issuer.status().ToString());
  auto server = StartServer(dir, db, cert, key);
  if (!server.ok()) return Fail(server.status().ToString());
  const std::string endpoint = "https://127.0.0.1:" + std::to_string(server->port);
  std::cout << "  listening on " << endpoint << "   (log: " << dir << "/serve.log)\n";

  Section(3, "Wendy Importer (Wide World Importers) links partner ID " + std::string(kDemoPartner) + " through the ARM API");
  std::cout << "  $ pal managementpartner create --partner-id " << kDemoPartner << " --endpoint " << endpoint
            << " \\\n      --ca-file " << cert << " --tenant " << kDemoTenant << " --object " << kDemoUser << "\n";
  auto token = issuer->Mint(kDemoTenant, kDemoUser, 3600);
  if (!token.ok()) return Fail(token.status().ToString(), &*server);
  auto reply = api::SendArmRequest(api::ArmClientOptions{endpoint, cert, *token}, "PUT",
                                   api::PartnerLinkPath(kDemoPartner));
  if (!reply.ok()) return Fail(reply.status().ToString(), &*server);
  if (reply->status != 200) {
    api::ArmError e = api::ArmReplyError(*reply);
    return Fail("the link API refused the link: (" + e.code + ") " + e.message, &*server);
  }
  std::ostringstream link;
  WriteAzOutput(FlattenPartnerResponse(nlohmann::json::parse(reply->body, nullptr, false)), "json", false, link);
  std::cout << Indent(link.str());

  Section(4, "Attribution of the demo cost exports, saved for reports");
  std::vector<std::string> attribute = {"attribute", "--db", db, "--save", "--quiet", "--out", dir + "/report.csv",
                                        "--unattributed", dir + "/unattributed.csv", "--usage"};
  for (const auto& f : usage) {
    attribute.push_back(f);
    std::cout << "  " << fs::path(f).filename().string() << "\n";
  }
  if (RunPal(attribute, dir, out, err) != 0) return Fail("pal attribute failed:\n" + err, &*server);
  size_t rejected = 0;
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) rejected += line.rfind("rejected:", 0) == 0 ? 1 : 0;
  std::cout << "  (" << rejected << " malformed rows set aside and counted, as demo/usage/README.md expects)\n\n"
            << "  $ pal report --by partner\n";
  if (RunPal({"report", "--db", db, "--by", "partner"}, dir, out, err) != 0)
    return Fail("pal report failed:\n" + err, &*server);
  std::cout << Indent(out);

  Section(5, "The link inventory, and customers whose credit rests on linked users only");
  std::cout << "  $ pal links\n";
  {
    auto store = OpenStore(db);
    if (!store.ok()) return Fail(store.status().ToString(), &*server);
    engine::InventoryQuery query;
    query.at = Timestamp::Now();
    auto inventory = engine::BuildLinkInventory(**store, query);
    if (!inventory.ok()) return Fail(inventory.status().ToString(), &*server);
    std::ostringstream table;
    WriteLinkInventory(*inventory, "table", table);
    std::cout << Indent(table.str());
  }

  Section(6, "Why is Wide World Importers' subscription credited now?");
  std::string now = FormatIsoTime(Timestamp::Now());
  std::cout << "  $ pal explain --resource " << kDemoResource << " --at " << now << "\n";
  if (RunPal({"explain", "--db", db, "--resource", kDemoResource, "--at", now}, dir, out, err) != 0)
    return Fail("pal explain failed:\n" + err, &*server);
  std::cout << Indent(out);

  Section(7, "The portal");
  std::cout << "  " << endpoint << "/   (trust " << cert << ", or accept the browser's warning;\n"
            << "  sign in with the dev issuer as e.g. Alice Ortega of Contoso Managed Services)\n";

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "\nWhat next\n---------\n"
            << "  export OPENPAL_DB=" << db << "\n"
            << "  pal links --partner 4100011 --output csv        # the inventory as CSV\n"
            << "  pal report --by partner,customer,month           # influenced revenue, by customer and month\n"
            << "  pal report --partner 4100011 --unattributed      # what was not credited, and why\n"
            << "  pal explain --resource /subscriptions/20000000-0000-4000-8000-000000000009 --at 2026-08-20\n"
            << "  pal serve --listen 127.0.0.1:8443 --tls-cert " << cert << " --tls-key " << key << " --dev-issuer\n"
            << "  pal managementpartner show --endpoint https://127.0.0.1:8443 --ca-file " << cert << " \\\n"
            << "      --tenant " << kDemoTenant << " --object " << kDemoUser << "\n"
            << "  pal --help                                       # every command, with examples\n";
  std::cout << "\nDemo done in " << std::fixed << std::setprecision(1) << seconds << " s.";
  if (!args.keep_running) {
    server->Stop();
    std::cout << " The server is stopped (run with --keep-running to keep it).\n";
    return kExitOk;
  }
  std::cout << " Serving " << endpoint << "/ until Ctrl-C.\n" << std::flush;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  ::sigprocmask(SIG_BLOCK, &stop, nullptr);
  int signal_number = 0;
  ::sigwait(&stop, &signal_number);
  std::cout << "\nStopping the server.\n";
  server->Stop();
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "demo", 10, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<DemoArgs>();
      CLI::App* sub = app.add_subcommand(
          "demo", "Run openpal end to end on the shipped demo world, in seconds (start here)");
      sub->add_option("--db", args->db,
                      "Run the demo on this PostgreSQL database (postgresql://..., an empty one) instead of a new "
                      "SQLite file in --dir");
      sub->add_option("--dir", args->dir, "Keep the store, certificate and outputs here (default: a new temporary folder)");
      sub->add_option("--data", args->data, "The demo data folder (default: ../demo beside the binary)")
          ->check(CLI::ExistingDirectory);
      sub->add_flag("--keep-running", args->keep_running, "Keep serving the API and portal until Ctrl-C");
      sub->footer(
          "Imports four snapshots into a fresh store, starts `pal serve` (HTTPS, dev issuer) on a free loopback port,\n"
          "links a partner ID through the ARM API, attributes the demo cost exports (saved), and shows the report,\n"
          "the link inventory with its risks, one explain and the portal's URL, then stops the server.\n"
          "Examples:\n  pal demo\n  pal demo --dir /tmp/pal-demo --keep-running");
      return [args] { return RunDemo(*args); };
    }});

}  // namespace
}  // namespace openpal::cli
