// `pal token`: prints a bearer token for a principal, signed by the dev issuer of a database (see docs/api.md).
#include <iostream>

#include "api/dev_issuer.h"
#include "cli/command.h"

namespace openpal::cli {
namespace {

int Token(const std::string& db_flag, const std::string& tenant, const std::string& object, int64_t ttl) {
  auto issuer = api::DevIssuer::LoadOrCreate(api::DevIssuer::KeyPathFor(ResolveDbPath(db_flag)));
  if (!issuer.ok()) {
    std::cerr << "pal token: " << issuer.status().ToString() << "\n";
    return kExitFailure;
  }
  auto token = issuer->Mint(tenant, object, ttl);
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
        std::string db, tenant, object;
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
      return [args] { return Token(args->db, args->tenant, args->object, args->ttl); };
    }});

}  // namespace
}  // namespace openpal::cli
