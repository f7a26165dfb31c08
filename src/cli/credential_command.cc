// `pal credential add`: a client secret (printed once, stored as a salted hash) or a public key for client
// assertions, for a service principal of the directory, used by `pal serve --dev-issuer`'s token service.
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/client_registry.h"
#include "cli/command.h"
#include "store/open_store.h"
#include "store/store.h"

namespace openpal::cli {
namespace {

struct CredentialArgs {
  std::string db, tenant, object, public_key;
};

int Add(const CredentialArgs& args) {
  std::string db_path = ResolveDbPath(args.db);
  auto store = OpenStore(db_path);
  if (!store.ok()) {
    std::cerr << "pal credential add: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  std::string pem;
  if (!args.public_key.empty()) {
    std::ifstream in(args.public_key, std::ios::binary);
    if (!in) {
      std::cerr << "pal credential add: --public-key: cannot read " << args.public_key << "\n";
      return kExitUsage;
    }
    std::ostringstream text;
    text << in.rdbuf();
    pem = text.str();
  }
  Result<api::NewCredential> created =
      args.public_key.empty() ? api::AddClientSecret(**store, args.tenant, args.object, Timestamp::Now())
                              : api::AddClientKey(**store, args.tenant, args.object, pem, Timestamp::Now());
  if (!created.ok()) {
    std::cerr << "pal credential add: " << created.status().ToString() << "\n";
    return created.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  const auto& c = *created;
  std::cout << "client_id:     " << c.principal.client_id << "\n"
            << "tenant:        " << c.principal.tenant_id << "\n"
            << "object:        " << c.principal.object_id << "\n"
            << "credential_id: " << c.credential_id << "\n";
  if (!c.secret.empty()) {
    std::cout << "client_secret: " << c.secret << "\n";
    std::cerr << "pal credential add: the secret is shown once and stored only as a salted hash; keep it now.\n";
  } else {
    std::cout << "key_id:        " << c.key_id << "\n";
  }
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "credential", 62, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<CredentialArgs>();
      CLI::App* sub = app.add_subcommand(
          "credential", "Client credentials of service principals for the development token service (serve --dev-issuer)");
      sub->require_subcommand(1);
      CLI::App* add = sub->add_subcommand(
          "add", "Create a client secret (printed once) or register a public key (--public-key) for a service principal");
      add->add_option("--db", args->db, "Database path (default $OPENPAL_DB or ./openpal.db)");
      add->add_option("--tenant", args->tenant, "Tenant ID (GUID) of the service principal")->required();
      add->add_option("--object", args->object, "Object ID (GUID) of the service principal")->required();
      add->add_option("--public-key", args->public_key,
                      "PEM RSA key (public, or private: only its public half is kept) for client assertions, "
                      "instead of a secret");
      return [args] { return Add(*args); };
    }});

}  // namespace
}  // namespace openpal::cli
