// `pal serve`: the ARM Microsoft.ManagementPartner API (link-api.md) over HTTP or HTTPS, until SIGTERM/SIGINT.
#include <csignal>
#include <optional>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/dev_issuer.h"
#include "api/jwt.h"
#include "api/management_partner.h"
#include "api/openpal_surfaces.h"
#include "api/server.h"
#include "cli/command.h"
#include "store/store.h"

namespace openpal::cli {
namespace {

// "HOST:PORT" or "[V6]:PORT"; port 0 means any free port (printed once listening).
bool ParseListen(const std::string& text, std::string& host, int& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string digits = text.substr(colon + 1);
  if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  port = std::stoi(digits);
  return port <= 65535 && !host.empty();
}

int Serve(const std::string& db_flag, const std::string& listen, const std::string& cert, const std::string& key,
          const std::vector<std::string>& jwks_files, bool dev_issuer, size_t threads) {
  api::ServerOptions options;
  if (!ParseListen(listen, options.host, options.port)) {
    std::cerr << "pal serve: --listen: expected HOST:PORT (e.g. 127.0.0.1:8443), got '" << listen << "'\n";
    return kExitUsage;
  }
  options.tls_cert = cert;
  options.tls_key = key;
  options.worker_threads = threads;

  // Writes to a peer that went away (plain or TLS sockets, or a closed stdout) must fail, not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
  api::TokenVerifier verifier;
  for (const auto& file : jwks_files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "pal serve: --jwks: cannot read " << file << "\n";
      return kExitFailure;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (Status s = verifier.AddJwks(text.str(), file); !s.ok()) {
      std::cerr << "pal serve: --jwks: " << s.ToString() << "\n";
      return kExitFailure;
    }
  }
  std::string db_path = ResolveDbPath(db_flag);
  std::optional<api::DevIssuer> issuer;
  if (dev_issuer) {
    auto loaded = api::DevIssuer::LoadOrCreate(api::DevIssuer::KeyPathFor(db_path));
    if (!loaded.ok()) {
      std::cerr << "pal serve: --dev-issuer: " << loaded.status().ToString() << "\n";
      return kExitFailure;
    }
    issuer.emplace(std::move(*loaded));
    if (Status s = issuer->TrustIn(verifier); !s.ok()) {
      std::cerr << "pal serve: --dev-issuer: " << s.ToString() << "\n";
      return kExitFailure;
    }
  }
  if (verifier.key_count() == 0) {
    std::cerr << "pal serve: no token signing keys: give --jwks FILE (Entra ID keys) or --dev-issuer\n";
    return kExitUsage;
  }

  auto store = OpenSqliteStore(db_path);
  if (!store.ok()) {
    std::cerr << "pal serve: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  api::ManagementPartnerApi api(**store, verifier);
  api::SurfaceContext context{**store, verifier, issuer ? &*issuer : nullptr, db_path};
  // Asked in this order; the ARM surface last, as it answers every path the others do not claim.
  auto reports = api::MakeReportsSurface(context);
  auto directory = api::MakeDirectorySurface(context);
  auto portal = api::MakePortalSurface(context);
  auto server = api::ApiServer::Create(options, {reports.get(), directory.get(), portal.get(), &api});
  if (!server.ok()) {
    std::cerr << "pal serve: " << server.status().ToString() << "\n";
    return kExitFailure;
  }
  if (Status s = (*server)->Bind(); !s.ok()) {
    std::cerr << "pal serve: " << s.ToString() << "\n";
    return kExitFailure;
  }
  // Tests and scripts read this line to learn the port (with --listen HOST:0).
  std::printf("pal serve: listening on %s://%s:%d (store %s, %zu signing keys)\n", (*server)->tls() ? "https" : "http",
              options.host.c_str(), (*server)->port(), (*store)->Describe().c_str(), verifier.key_count());
  std::fflush(stdout);
  Status run = (*server)->RunUntilSignal();
  std::printf("pal serve: stopped\n");
  std::fflush(stdout);
  if (!run.ok()) {
    std::cerr << "pal serve: " << run.ToString() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "serve", 60, [](CLI::App& app) -> std::function<int()> {
      struct Args {
        std::string db, listen, cert, key;
        std::vector<std::string> jwks;
        bool dev_issuer = false;
        size_t threads = 256;
      };
      auto args = std::make_shared<Args>();
      CLI::App* sub = app.add_subcommand(
          "serve", "Serve the ARM Microsoft.ManagementPartner API (partner links) over HTTP, or HTTPS with a cert");
      sub->add_option("--db", args->db, "Database path (default $OPENPAL_DB or ./openpal.db)");
      sub->add_option("--listen", args->listen, "HOST:PORT to listen on (port 0: any free port)")->required();
      sub->add_option("--tls-cert", args->cert, "PEM certificate: serve HTTPS (Azure SDKs need it)")
          ->check(CLI::ExistingFile);
      sub->add_option("--tls-key", args->key, "PEM private key of --tls-cert")->check(CLI::ExistingFile);
      sub->add_option("--jwks", args->jwks, "Trust the RS256 keys of this JWKS file (Entra ID format); repeatable")
          ->check(CLI::ExistingFile);
      sub->add_flag("--dev-issuer", args->dev_issuer,
                    "Create once (<db>.dev-issuer.pem) and trust the local dev issuer key used by `pal token`");
      sub->add_option("--threads", args->threads, "Most threads of the blocking pool (writes, reports); event-loop threads = hardware threads")
          ->check(CLI::Range(4, 4096));
      return [args] {
        return Serve(args->db, args->listen, args->cert, args->key, args->jwks, args->dev_issuer, args->threads);
      };
    }});

}  // namespace
}  // namespace openpal::cli
