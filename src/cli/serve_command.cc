// `pal serve`: the ARM Microsoft.ManagementPartner API (link-api.md) over HTTP or HTTPS, until SIGTERM/SIGINT.
#include <csignal>
#include <optional>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/asio/ip/address.hpp>

#include "api/dev_issuer.h"
#include "core/guid.h"
#include "api/jwt.h"
#include "api/oidc.h"
#include "api/openpal_surfaces.h"
#include "api/server.h"
#include "cli/command.h"
#include "store/store.h"
#include "store/open_store.h"

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

// True for a host that only this machine reaches: "localhost", 127.0.0.0/8, ::1. A name that must be resolved
// may mean anything, so it is not.
bool IsLoopbackHost(const std::string& host) {
  if (EqualsIgnoreCase(host, "localhost")) return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// --oidc-authority/--oidc-client-id: fetches the provider's discovery document and keys now, so a wrong URL or an
// untrusted certificate stops the start with the reason instead of failing every sign-in later.
Status ConnectOidc(const api::OidcSettings& settings, api::TokenVerifier& verifier,
                   std::optional<api::OidcProvider>& out) {
  if (settings.authority.empty() && settings.client_id.empty()) {
    if (!settings.ca_file.empty() || !settings.scopes.empty())
      return Status::Error(StatusCode::kInvalidArgument, "--oidc-ca-file and --oidc-scope need --oidc-authority");
    return Status::Ok();
  }
  if (settings.authority.empty() || settings.client_id.empty())
    return Status::Error(StatusCode::kInvalidArgument,
                         "--oidc-authority and --oidc-client-id go together (the provider, and the portal's app ID)");
  auto report = [authority = settings.authority](const Status& s) {
    if (!s.ok()) std::cerr << "pal serve: OIDC key refresh (" << authority << "): " << s.ToString() << "\n";
  };
  auto provider = api::OidcProvider::Connect(settings, api::MakeHttpGet(settings.ca_file), verifier, report);
  if (!provider.ok()) return provider.status();
  out.emplace(std::move(*provider));
  return Status::Ok();
}

struct ServeArgs {
  std::string db, listen, cert, key;
  std::vector<std::string> jwks;
  api::OidcSettings oidc;  // --oidc-authority, --oidc-client-id, --oidc-ca-file, --oidc-scope
  bool dev_issuer = false;
  bool dev_issuer_anywhere = false;
  std::vector<std::string> dev_redirect_uris;
  size_t threads = 256;
  size_t max_connections = 1024;
  size_t body_memory_mib = 64;
};

int Serve(const ServeArgs& args) {
  api::ServerOptions options;
  if (!ParseListen(args.listen, options.host, options.port)) {
    std::cerr << "pal serve: --listen: expected HOST:PORT (e.g. 127.0.0.1:8443), got '" << args.listen << "'\n";
    return kExitUsage;
  }
  options.tls_cert = args.cert;
  options.tls_key = args.key;
  options.worker_threads = args.threads;
  options.max_connections = args.max_connections;
  options.body_memory = args.body_memory_mib * 1024 * 1024;
  const std::string& db_flag = args.db;
  const std::vector<std::string>& jwks_files = args.jwks;
  const bool dev_issuer = args.dev_issuer;
  if (!args.dev_redirect_uris.empty() && !dev_issuer) {
    std::cerr << "pal serve: --dev-issuer-redirect-uri needs --dev-issuer (it registers a redirect URI of the "
                 "development token service's portal client)\n";
    return kExitUsage;
  }

  // Anyone who can read <db>.dev-issuer.pem mints tokens for any principal: a demo key, never beside real
  // Entra keys, and never reachable from other machines, unless the operator says so in as many words.
  if (dev_issuer) {
    std::string why;
    if (!jwks_files.empty() || !args.oidc.authority.empty())
      why = "beside --jwks or --oidc-authority (its tokens would be trusted next to Entra ID's)";
    if (!IsLoopbackHost(options.host))
      why += std::string(why.empty() ? "" : ", and ") + "on " + options.host + ", which is not a loopback address";
    if (!why.empty() && !args.dev_issuer_anywhere) {
      std::cerr << "pal serve: refusing --dev-issuer " << why
                << ": anyone who can read the dev key file can sign in as anyone, and its development token service "
                   "(/adfs) signs in anyone who reaches it as any principal. Use it on 127.0.0.1 without --jwks, "
                   "or add --dev-issuer-anywhere if you really mean it.\n";
      return kExitUsage;
    }
    if (!why.empty()) {
      std::cerr << "pal serve: WARNING: --dev-issuer " << why
                << " (--dev-issuer-anywhere): anyone who can read the dev key file can sign in as anyone, and the "
                   "development token service (/adfs) signs in anyone who reaches it, from any host name. "
                   "Never do this in production.\n";
    }
  }

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
  std::optional<api::OidcProvider> oidc;
  if (Status s = ConnectOidc(args.oidc, verifier, oidc); !s.ok()) {
    std::cerr << "pal serve: " << s.ToString() << "\n";
    return kExitFailure;
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
    std::cerr << "pal serve: no token signing keys: give --oidc-authority URL --oidc-client-id ID, --jwks FILE (Entra "
                 "ID keys) or --dev-issuer\n";
    return kExitUsage;
  }

  auto store = OpenStore(db_path);
  if (!store.ok()) {
    std::cerr << "pal serve: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  api::SurfaceContext context{**store, verifier, issuer ? &*issuer : nullptr, db_path};
  context.oidc = oidc ? &*oidc : nullptr;
  context.tls = !options.tls_cert.empty();
  context.dev_issuer_any_host = args.dev_issuer_anywhere;
  context.dev_redirect_uris = args.dev_redirect_uris;
  api::Surfaces surfaces(context);
  if (auto problems = surfaces.routes().Problems(); !problems.empty()) {  // a mistake in a surface's table
    for (const auto& problem : problems) std::cerr << "pal serve: route table: " << problem << "\n";
    return kExitFailure;
  }
  auto server = api::ApiServer::Create(options, surfaces.routes());
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
  if (issuer) {
    // Said at every start, so nobody mistakes it for an identity provider.
    std::fprintf(stderr,
                 "pal serve: development token service at %s://%s:%d/adfs (discovery: "
                 "/adfs/.well-known/openid-configuration): FOR DEVELOPMENT AND TESTS ONLY — anyone who reaches it, or "
                 "reads %s, can sign in as any principal of the directory%s.\n",
                 (*server)->tls() ? "https" : "http", options.host.c_str(), (*server)->port(),
                 api::DevIssuer::KeyPathFor(db_path).c_str(),
                 args.dev_issuer_anywhere ? "" : "; it listens on loopback only and answers loopback host names only");
  }
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
      auto args = std::make_shared<ServeArgs>();
      CLI::App* sub = app.add_subcommand(
          "serve", "Serve the ARM Microsoft.ManagementPartner API (partner links) over HTTP, or HTTPS with a cert");
      sub->add_option("--db", args->db, "Database: an SQLite file or a postgresql:// URI (default $OPENPAL_DB or ./openpal.db)");
      sub->add_option("--listen", args->listen, "HOST:PORT to listen on (port 0: any free port)")->required();
      sub->add_option("--tls-cert", args->cert, "PEM certificate: serve HTTPS (Azure SDKs need it)")
          ->check(CLI::ExistingFile);
      sub->add_option("--tls-key", args->key, "PEM private key of --tls-cert")->check(CLI::ExistingFile);
      sub->add_option("--jwks", args->jwks, "Trust the RS256 keys of this JWKS file (Entra ID format); repeatable")
          ->check(CLI::ExistingFile);
      sub->add_option("--oidc-authority", args->oidc.authority,
                      "OpenID provider whose tokens to trust and whom the portal signs in with (Entra ID: "
                      "https://login.microsoftonline.com/TENANT/v2.0); https, or http on loopback");
      sub->add_option("--oidc-client-id", args->oidc.client_id, "The portal's app (client) ID at --oidc-authority");
      sub->add_option("--oidc-ca-file", args->oidc.ca_file, "PEM CA bundle for the provider's HTTPS (default: system)")
          ->check(CLI::ExistingFile);
      sub->add_option("--oidc-scope", args->oidc.scopes,
                      "API scope the portal requests and sends the access token of (default: it sends its ID token, "
                      "audience = the client ID); repeatable");
      sub->add_flag("--dev-issuer", args->dev_issuer,
                    "Development only: create once (<db>.dev-issuer.pem) and trust the local dev issuer key used by "
                    "`pal token`, and serve the development token service under /adfs (loopback addresses only, not "
                    "with --jwks)");
      sub->add_flag("--dev-issuer-anywhere", args->dev_issuer_anywhere,
                    "Allow --dev-issuer on a non-loopback address or beside --jwks (unsafe: for closed test setups)");
      sub->add_option("--dev-issuer-redirect-uri", args->dev_redirect_uris,
                      "With --dev-issuer: another exact redirect URI of the portal client (openpal-portal) besides this "
                      "server's own https://HOST/, e.g. a portal dev server's http://localhost:5173/; repeatable")
          ->check([](const std::string& uri) -> std::string {
            return uri.rfind("http://", 0) == 0 || uri.rfind("https://", 0) == 0
                       ? ""
                       : "expected an absolute http(s) URL, got '" + uri + "'";
          });
      sub->add_option("--threads", args->threads, "Most threads of the blocking pool (writes, reports); event-loop threads = hardware threads")
          ->check(CLI::Range(4, 4096));
      sub->add_option("--max-connections", args->max_connections,
                      "Connections served at once (default 1024); as many again get 503, more are closed")
          ->check(CLI::Range(1, 1000000));
      sub->add_option("--body-memory", args->body_memory_mib,
                      "MiB of request bodies held at once, all connections (default 64); over it: 503")
          ->check(CLI::Range(1, 65536));
      return [args] { return Serve(*args); };
    }});

}  // namespace
}  // namespace openpal::cli
