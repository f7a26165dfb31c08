// `pal token`: prints a bearer token for a principal, signed by the dev issuer of a database (see docs/api.md).
#include <iostream>

#include "api/dev_issuer.h"
#include "cli/command.h"

namespace openpal::cli {
namespace {

int Token(const std::string& db_flag, const std::string& tenant, const std::string& object, int64_t ttl,
          const std::string& audience, const std::string& key_file) {
  // --key: a client's own key (a client assertion for the token service), used in place of the dev issuer's.
  auto issuer = api::DevIssuer::LoadOrCreate(key_file.empty() ? api::DevIssuer::KeyPathFor(ResolveDbPath(db_flag)) : key_file);
  if (!issuer.ok()) {
    std::cerr << "pal token: " << issuer.status().ToString() << "\n";
    return kExitFailure;
  }
  auto token = issuer->Mint(tenant, object, ttl, audience);
  if (!token.ok()) {
    std::cerr << "pal token: " << token.status().ToString() << "\n";
    return token.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::cout << *token << "\n";
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "token", 61, [](CLI::App& app) -> std::function<int()> {
      struct Args {
        std::string db, tenant, object, key;
        std::string audience = "https://management.azure.com/";
        int64_t ttl = 3600;
      };
      auto args = std::make_shared<Args>();
      CLI::App* sub = app.add_subcommand(
          "token", "Print a bearer token for a principal, signed by the database's dev issuer (for `serve --dev-issuer`)");
      sub->add_option("--db", args->db, "Database: an SQLite file or a postgresql:// URI (default $OPENPAL_DB or ./openpal.db)");
      sub->add_option("--tenant", args->tenant, "Tenant ID (GUID): the token's tid")->required();
      sub->add_option("--object", args->object, "Object ID (GUID) of the user or service principal: the token's oid")
          ->required();
      sub->add_option("--ttl", args->ttl, "Lifetime in seconds (default 3600)");
      sub->add_option("--audience", args->audience,
                      "The token's aud (default https://management.azure.com/; api://AzureADTokenExchange for a "
                      "client assertion)");
      sub->add_option("--key", args->key,
                      "Sign with this PEM RSA private key instead of the dev issuer's (a client assertion whose public "
                      "key was registered with `pal credential add --public-key`)")
          ->check(CLI::ExistingFile);
      return [args] { return Token(args->db, args->tenant, args->object, args->ttl, args->audience, args->key); };
    }});

}  // namespace
}  // namespace openpal::cli
