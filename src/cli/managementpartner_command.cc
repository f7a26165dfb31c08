// `pal managementpartner create|show|update|delete`: the Azure CLI extension's surface (`az managementpartner`,
// reference file §2) as a real HTTPS client of `pal serve`: the same verbs, flags, printed JSON and errors.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "api/arm_client.h"
#include "api/dev_issuer.h"
#include "cli/command.h"

namespace openpal::cli {

// The link as `az managementpartner` prints it: `properties` flattened into the top-level object, keys sorted.
// Shared with `pal demo`.
nlohmann::json FlattenPartnerResponse(const nlohmann::json& body);
// Writes a flat object in one of the Azure CLI's output formats (json, jsonc, table, tsv, yaml).
void WriteAzOutput(const nlohmann::json& flat, const std::string& format, bool colour, std::ostream& out);

namespace {

struct PartnerArgs {
  std::string verb, partner_id, endpoint, ca_file, token, tenant, object, db, output = "json";
  bool partner_id_given = false;
};

// YAML needs quotes where PyYAML would add them: text that would read back as a number, bool, null or time.
bool YamlNeedsQuotes(const std::string& s) {
  static const std::regex looks_typed(
      R"(^([-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|true|false|yes|no|on|off|null|~|)"
      R"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ]+.*)?)$)",
      std::regex::icase);
  if (s.empty() || std::regex_match(s, looks_typed)) return true;
  if (std::string("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string::npos) return true;
  return s.find(": ") != std::string::npos || s.find(" #") != std::string::npos || s.back() == ' ' ||
         s.back() == ':';
}

std::string Scalar(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void WriteTable(const nlohmann::json& flat, std::ostream& out) {
  // As the Azure CLI's table output: id, type and etag left out, headers capitalised, columns padded.
  std::vector<std::pair<std::string, std::string>> cols;
  for (const auto& [key, value] : flat.items()) {
    if (key == "id" || key == "type" || key == "etag" || value.is_null() || value.is_structured()) continue;
    std::string header = key;
    header[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(header[0])));
    cols.emplace_back(header, Scalar(value));
  }
  std::string head, rule, row;
  for (size_t i = 0; i < cols.size(); ++i) {
    size_t w = std::max(cols[i].first.size(), cols[i].second.size());
    bool last = i + 1 == cols.size();
    head += cols[i].first + (last ? "" : std::string(w - cols[i].first.size() + 2, ' '));
    rule += std::string(w, '-') + (last ? "" : "  ");
    row += cols[i].second + (last ? "" : std::string(w - cols[i].second.size() + 2, ' '));
  }
  out << head << "\n" << rule << "\n" << row << "\n";
}

// Resolves the bearer token: --token, $OPENPAL_TOKEN, or a dev-issuer token for --tenant/--object.
Result<std::string> ResolveToken(const PartnerArgs& args) {
  if (!args.token.empty()) return args.token;
  if (const char* env = std::getenv("OPENPAL_TOKEN"); env && *env) return std::string(env);
  if (args.tenant.empty() || args.object.empty())
    return Status::Error(StatusCode::kInvalidArgument,
                         "no token: give --token TOKEN, set OPENPAL_TOKEN, or (against `pal serve --dev-issuer`) "
                         "--tenant TID --object OID with the server's --db");
  std::string key = api::DevIssuer::KeyPathFor(ResolveDbPath(args.db));
  if (!std::filesystem::exists(key))
    return Status::Error(StatusCode::kInvalidArgument, "no dev issuer key at " + key +
                                            ": give the --db of the `pal serve --dev-issuer` you call, or --token");
  auto issuer = api::DevIssuer::LoadOrCreate(key);
  if (!issuer.ok()) return issuer.status();
  return issuer->Mint(args.tenant, args.object, 3600);
}

int Run(const PartnerArgs& args) {
  const std::string prefix = "ERROR: ";
  std::string endpoint = args.endpoint;
  if (endpoint.empty())
    if (const char* env = std::getenv("OPENPAL_ENDPOINT"); env && *env) endpoint = env;
  if (endpoint.empty()) {
    std::cerr << prefix << "no endpoint: give --endpoint https://HOST:PORT (the `pal serve` to call) "
                           "or set OPENPAL_ENDPOINT\n";
    return kExitUsage;
  }
  auto token = ResolveToken(args);
  if (!token.ok()) {
    std::cerr << prefix << token.status().ToString() << "\n";
    return token.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  static const std::map<std::string, std::string> kMethods = {
      {"create", "PUT"}, {"show", "GET"}, {"update", "PATCH"}, {"delete", "DELETE"}};
  api::ArmClientOptions options{endpoint, args.ca_file, *token};
  auto reply = api::SendArmRequest(options, kMethods.at(args.verb), api::PartnerLinkPath(args.partner_id));
  if (!reply.ok()) {
    std::cerr << prefix << reply.status().ToString() << "\n";
    return reply.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (reply->status != 200) {
    // As the Azure CLI prints an ODataV4-format ARM error.
    api::ArmError e = api::ArmReplyError(*reply);
    std::cerr << prefix << "(" << e.code << ") " << e.message << "\nCode: " << e.code
              << "\nMessage: " << e.message << "\n";
    return kExitFailure;
  }
  if (args.verb == "delete") return kExitOk;  // az prints nothing for delete
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (!body.is_object()) {
    std::cerr << prefix << "the service answered 200 with a body that is not a JSON object\n";
    return kExitFailure;
  }
  WriteAzOutput(FlattenPartnerResponse(body), args.output, args.output == "jsonc" && ::isatty(STDOUT_FILENO),
                std::cout);
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "managementpartner", 62, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<PartnerArgs>();
      CLI::App* group = app.add_subcommand(
          "managementpartner",
          "Link your identity to a partner ID through the API, as `az managementpartner` does");
      group->require_subcommand(1);
      struct Verb {
        const char* name;
        const char* help;
        bool id_required;
      };
      const Verb verbs[] = {
          {"create", "Associate a partner ID with the signed-in user or service principal (PUT).", true},
          {"show", "Show the partner ID linked to the signed-in principal (GET; without --partner-id: whatever is linked).",
           false},
          {"update", "Move the signed-in principal's link to another partner ID (PATCH).", true},
          {"delete", "Remove the link to that partner ID (DELETE; prints nothing).", true},
      };
      for (const auto& verb : verbs) {
        CLI::App* sub = group->add_subcommand(verb.name, verb.help);
        auto* id = sub->add_option("--partner-id", args->partner_id, "Microsoft partner network ID, e.g. 4100011");
        if (verb.id_required) id->required();
        sub->add_option("--endpoint", args->endpoint,
                        "The link API to call, e.g. https://127.0.0.1:8443 (default $OPENPAL_ENDPOINT)");
        sub->add_option("--ca-file", args->ca_file, "PEM file of the certificate (or CA) to trust for https")
            ->check(CLI::ExistingFile);
        sub->add_option("--token", args->token, "Bearer token (default $OPENPAL_TOKEN)");
        sub->add_option("--tenant", args->tenant, "Dev issuer: mint a token for this tenant ID (with --object)");
        sub->add_option("--object", args->object, "Dev issuer: object ID of the user or service principal");
        sub->add_option("--db", args->db, "Dev issuer: the server's database (default $OPENPAL_DB or ./openpal.db)");
        sub->add_option("--output,-o", args->output, "json (default), jsonc, table, tsv or yaml")
            ->check(CLI::IsMember({"json", "jsonc", "table", "tsv", "yaml"}));
        std::string example = std::string("Example:\n  pal managementpartner ") + verb.name +
                              (std::string(verb.name) == "show" ? "" : " --partner-id 4100011") +
                              " --endpoint https://127.0.0.1:8443 --ca-file cert.pem \\\n"
                              "      --tenant 10000000-0000-4000-8000-000000000004 "
                              "--object 30000000-0000-4000-8000-040000000001 --db openpal.db";
        sub->footer(example);
        std::string name = verb.name;
        sub->callback([args, name] { args->verb = name; });
      }
      group->footer(
          "The same verbs, flags and printed JSON as the Azure CLI extension; a real HTTPS client of `pal serve`.\n"
          "Errors print as the Azure CLI prints them: ERROR: (Code) Message, then Code: and Message: lines; exit 1.\n"
          "Example:\n  pal managementpartner create --partner-id 4100011 --endpoint https://127.0.0.1:8443 "
          "--ca-file cert.pem --token \"$(pal token --tenant TID --object OID)\"");
      return [args] { return Run(*args); };
    }});

}  // namespace

nlohmann::json FlattenPartnerResponse(const nlohmann::json& body) {
  nlohmann::json flat = nlohmann::json::object();
  for (const auto& [key, value] : body.items()) {
    if (key == "properties" && value.is_object()) {
      for (const auto& [k, v] : value.items()) flat[k] = v;
    } else {
      flat[key] = value;
    }
  }
  return flat;  // nlohmann's object is a sorted map: the keys come out as `az` sorts them
}

void WriteAzOutput(const nlohmann::json& flat, const std::string& format, bool colour, std::ostream& out) {
  if (format == "table") return WriteTable(flat, out);
  if (format == "tsv") {
    std::string line;
    for (const auto& [key, value] : flat.items()) {
      if (value.is_structured()) continue;
      if (!line.empty()) line += '\t';
      line += value.is_null() ? "" : Scalar(value);
    }
    out << line << "\n";
    return;
  }
  if (format == "yaml") {
    for (const auto& [key, value] : flat.items()) {
      out << key << ":";
      if (value.is_null()) out << " null";
      else if (!value.is_string()) out << " " << value.dump();
      else if (YamlNeedsQuotes(value.get<std::string>())) out << " '" << value.get<std::string>() << "'";
      else out << " " << value.get<std::string>();
      out << "\n";
    }
    return;
  }
  if (!colour) {
    out << flat.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  // jsonc on a terminal: keys, strings and numbers in the colours of the Azure CLI's default theme.
  out << "{\n";
  size_t i = 0;
  for (const auto& [key, value] : flat.items()) {
    out << "  \033[94m" << nlohmann::json(key).dump() << "\033[0m: ";
    out << (value.is_string() ? "\033[32m" : "\033[36m") << value.dump(-1, ' ', false,
                                                                         nlohmann::json::error_handler_t::replace)
        << "\033[0m" << (++i < flat.size() ? "," : "") << "\n";
  }
  out << "}\n";
}

}  // namespace openpal::cli
