// `pal collect`: reads tenants' directories from Microsoft Graph and ARM into a snapshot folder for `pal import`
// (docs/collect.md).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "collect/collector.h"

namespace openpal::cli {
namespace {

// Exit status when the snapshot was written but some kinds could not be read (they are absent from it).
constexpr int kExitPartial = 3;

struct CollectFlags {
  std::vector<std::string> tenants;
  std::string out;
  std::string authority;
  std::string client_id;
  std::string secret_file;
  std::string certificate;
  std::string graph = "https://graph.microsoft.com";
  std::string arm = "https://management.azure.com";
  std::string graph_scope = collect::kGraphScope;
  std::string arm_scope = collect::kArmScope;
  std::string ca_file;
  int parallel = 4;
  int max_attempts = 8;
  int backoff_ms = 1000;
  int timeout = 60;
};

Result<std::string> ReadWholeFile(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(StatusCode::kIoError, "cannot read the file", std::string(flag) + " " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string EnvOr(const std::string& value, const char* name) {
  if (!value.empty()) return value;
  const char* env = std::getenv(name);
  return env ? env : "";
}

int RunCollect(const CollectFlags& flags) {
  auto fail = [](const Status& s, int code = kExitFailure) {
    std::cerr << "pal collect: error: " << s.ToString() << "\n";
    return code;
  };
  collect::CollectOptions options;
  options.tenants = flags.tenants;
  options.out_dir = flags.out;
  // The Azure SDKs' EnvironmentCredential variables stand in for flags not given.
  options.credentials.authority = EnvOr(flags.authority, "AZURE_AUTHORITY_HOST");
  if (options.credentials.authority.empty()) options.credentials.authority = "https://login.microsoftonline.com";
  while (!options.credentials.authority.empty() && options.credentials.authority.back() == '/')
    options.credentials.authority.pop_back();
  options.credentials.client_id = EnvOr(flags.client_id, "AZURE_CLIENT_ID");
  std::string certificate = EnvOr(flags.certificate, "AZURE_CLIENT_CERTIFICATE_PATH");
  if (!flags.secret_file.empty()) {
    auto secret = ReadWholeFile(flags.secret_file, "--client-secret-file");
    if (!secret.ok()) return fail(secret.status());
    std::string s = *secret;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    if (s.empty()) return fail(Status::Error(StatusCode::kInvalidArgument, "the secret file is empty", flags.secret_file), kExitUsage);
    options.credentials.client_secret = s;
    certificate = flags.certificate;  // an explicit secret file wins over the environment's certificate
  } else if (certificate.empty()) {
    options.credentials.client_secret = EnvOr("", "AZURE_CLIENT_SECRET");
  }
  if (!certificate.empty()) {
    auto pem = ReadWholeFile(certificate, "--certificate");
    if (!pem.ok()) return fail(pem.status());
    options.credentials.certificate_pem = *pem;
  }
  options.graph_url = flags.graph;
  options.arm_url = flags.arm;
  options.graph_scope = flags.graph_scope;
  options.arm_scope = flags.arm_scope;
  options.ca_file = flags.ca_file;
  options.parallel = flags.parallel;
  options.timeout_seconds = flags.timeout;
  options.retry.max_attempts = flags.max_attempts;
  options.retry.base_delay = std::chrono::milliseconds(flags.backoff_ms);
  if (isatty(2)) {
    options.progress = [](const std::string& tenant, const std::string& what, size_t count) {
      std::fprintf(stderr, "\r\033[K  %s: %s %zu", tenant.c_str(), what.c_str(), count);
      std::fflush(stderr);
    };
  }
  // A service reply shaped in a way nothing here expected must end in a message, not an abort.
  auto summary = [&]() -> Result<collect::CollectSummary> {
    try {
      return collect::Collect(options);
    } catch (const std::exception& e) {
      return Status::Error(StatusCode::kInternal, std::string("unexpected reply shape: ") + e.what());
    }
  }();
  if (isatty(2)) std::fprintf(stderr, "\r\033[K");
  if (!summary.ok())
    return fail(summary.status(), summary.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure);
  std::cout << "collected " << summary->out_dir << " (asOf " << FormatIsoTime(summary->as_of) << ")\n"
            << summary->ToText();
  if (!summary->complete()) {
    std::cerr << "pal collect: warning: some kinds could not be read; they are absent from the snapshot, which\n"
                 "`pal import` takes as unchanged (see FAILED above and collect-report.json)\n";
    return kExitPartial;
  }
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "collect", 18, [](CLI::App& app) -> std::function<int()> {
      auto flags = std::make_shared<CollectFlags>();
      CLI::App* sub = app.add_subcommand(
          "collect", "Read tenants' directories from Microsoft Graph and ARM into a snapshot folder for `pal import`");
      sub->footer(
          "Signs in with OAuth 2.0 client credentials (an app registration's secret or certificate) to each tenant\n"
          "and reads users, service principals, groups and their direct members (Graph v1.0), subscriptions, the\n"
          "management-group tree, role assignments at every scope, custom roles, Lighthouse registrations and the\n"
          "caller's own PAL link (ARM). Throttling (429/503 with Retry-After) and transient failures are retried.\n"
          "The folder appears complete or not at all. A kind that cannot be read is left out (absent = unchanged to\n"
          "`pal import`) and reported; the exit status is then 3. Exit 0: everything read; 1: nothing written;\n"
          "2: bad usage. Credentials not given as flags come from AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,\n"
          "AZURE_CLIENT_CERTIFICATE_PATH and AZURE_AUTHORITY_HOST.\n"
          "Examples:\n"
          "  pal collect --tenant 72f988bf-86f1-41af-91ab-2d7cd011db47 --out exports/2026-10-01 \\\n"
          "      --client-id 11111111-2222-3333-4444-555555555555 --client-secret-file ~/.secrets/pal-reader\n"
          "  pal collect --tenant $PARTNER_TENANT --tenant $CUSTOMER_TENANT --out exports/today \\\n"
          "      --client-id $APP_ID --certificate app.pem && pal import exports/today\n"
          "Permissions, Lighthouse and the files produced: docs/collect.md.");
      sub->add_option("--tenant", flags->tenants, "a tenant ID to collect (repeat for several)")->required();
      sub->add_option("--out", flags->out, "the snapshot folder to create (must not exist), e.g. exports/2026-10-01")
          ->required();
      sub->add_option("--authority", flags->authority,
                      "the token authority (default https://login.microsoftonline.com); tokens come from\n"
                      "{authority}/{tenant}/oauth2/v2.0/token");
      sub->add_option("--client-id", flags->client_id, "the application (client) ID of the app registration");
      auto* secret = sub->add_option("--client-secret-file", flags->secret_file,
                                     "a file holding the client secret (never on the command line)");
      auto* cert = sub->add_option("--certificate", flags->certificate,
                                   "a PEM file with the app's certificate and its RSA private key");
      secret->excludes(cert);
      sub->add_option("--graph", flags->graph, "Microsoft Graph's root (default https://graph.microsoft.com)");
      sub->add_option("--arm", flags->arm, "Azure Resource Manager's root (default https://management.azure.com)");
      sub->add_option("--graph-scope", flags->graph_scope,
                      "the token scope for Graph (default https://graph.microsoft.com/.default)");
      sub->add_option("--arm-scope", flags->arm_scope,
                      "the token scope for ARM (default https://management.azure.com/.default)");
      sub->add_option("--ca-file", flags->ca_file, "a PEM bundle to trust instead of the system's CAs");
      sub->add_option("--parallel", flags->parallel, "concurrent requests for per-group/per-subscription lists (4)")
          ->check(CLI::Range(1, 32));
      sub->add_option("--max-attempts", flags->max_attempts, "attempts per request before giving up (8)")
          ->check(CLI::Range(1, 20));
      sub->add_option("--backoff-ms", flags->backoff_ms,
                      "the first back-off in ms, doubled per retry up to 60 s (1000); Retry-After wins")
          ->check(CLI::Range(0, 60000));
      sub->add_option("--timeout", flags->timeout, "seconds to wait for a connection or a reply (60)")
          ->check(CLI::Range(1, 600));
      return [flags]() { return RunCollect(*flags); };
    }});

}  // namespace
}  // namespace openpal::cli
