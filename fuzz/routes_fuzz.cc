// Fuzzes the routes of `pal serve` without sockets: a request in a small text form goes through api::Surfaces'
// route table (/openpal/v1 reports, directory, the portal, then the ARM link API), exactly as server.cc dispatches,
// over a store holding the demo world's four snapshots; a request with a body is first asked of RefuseBody, as the
// server does before reading one. The first byte picks the caller (no token, a
// user of the partner organisation Contoso, a customer's user, a user of the other partner, an unknown principal, a
// malformed token); the rest is
//   METHOD TARGET\n
//   Header: value\n ...
//   \n
//   body
// Link writes change the store, so it is reset from a copy every kResetEvery inputs (a finding replays on a fresh one).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/dev_issuer.h"
#include "api/http_target.h"
#include "api/jwt.h"
#include "api/openpal_surfaces.h"
#include "core/guid.h"
#include "fuzz_util.h"
#include "ingest/snapshot_import.h"
#include "ingest/snapshot_reader.h"
#include "store/store.h"

using namespace openpal;
using namespace openpal::api;
using fuzz::Violated;
namespace fs = std::filesystem;

namespace {

constexpr int kResetEvery = 5000;

struct Caller {
  const char* tenant;
  const char* object;
};
constexpr Caller kCallers[] = {
    {"10000000-0000-4000-8000-000000000001", "30000000-0000-4000-8000-010000000001"},  // Contoso (partner org)
    {"10000000-0000-4000-8000-000000000003", "30000000-0000-4000-8000-030000000001"},  // a customer
    {"10000000-0000-4000-8000-000000000002", "30000000-0000-4000-8000-020000000001"},  // Fabrikam (partner org)
    {"10000000-0000-4000-8000-000000000003", "30000000-0000-4000-8000-0300000000ff"},  // not in the directory
};
constexpr size_t kCallerCount = sizeof(kCallers) / sizeof(kCallers[0]);

// The temporary folder, removed at exit. A plain array: the exit handler runs after World is destroyed.
char dir_text[256];

// The store, its verifier and the surfaces, rebuilt from the template database on each reset.
struct World {
  fs::path dir;
  std::unique_ptr<DevIssuer> issuer;
  std::unique_ptr<TokenVerifier> verifier;
  std::vector<std::string> tokens;  // one per kCallers entry
  std::unique_ptr<Store> store;
  std::unique_ptr<Surfaces> surfaces;
  int runs = 0;

  World() {
    std::snprintf(dir_text, sizeof dir_text, "%s/openpal-fuzz-routes-XXXXXX",
                  access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir_text)) Violated("mkdtemp failed");
    dir = dir_text;
    std::atexit([] { std::error_code ec; fs::remove_all(dir_text, ec); });
    {
      auto store = OpenSqliteStore((dir / "template.db").string());
      if (!store.ok()) Violated(store.status().ToString());
      for (const char* date : {"2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"}) {
        auto snapshot = ingest::ReadSnapshot(std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots/" + date, {});
        if (!snapshot.ok()) Violated(snapshot.status().ToString());
        auto imported = ingest::ImportSnapshot(**store, *snapshot);
        if (!imported.ok()) Violated(imported.status().ToString());
      }
    }
    auto issued = DevIssuer::LoadOrCreate((dir / "dev-issuer.pem").string());
    if (!issued.ok()) Violated(issued.status().ToString());
    issuer = std::make_unique<DevIssuer>(std::move(issued).value());
    verifier = std::make_unique<TokenVerifier>();
    if (!issuer->TrustIn(*verifier).ok()) Violated("cannot trust the dev issuer");
    for (const Caller& c : kCallers) {
      auto token = issuer->Mint(c.tenant, c.object, 300LL * 86400);
      if (!token.ok()) Violated(token.status().ToString());
      tokens.push_back("Bearer " + *token);
    }
    Reset();
  }

  static World& Get() {
    static World world;
    return world;
  }

  void Reset() {
    surfaces.reset();
    store.reset();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(dir / (std::string("work.db") + suffix), ec);
    fs::copy_file(dir / "template.db", dir / "work.db", ec);
    if (ec) Violated("cannot copy the template store");
    auto opened = OpenSqliteStore((dir / "work.db").string());
    if (!opened.ok()) Violated(opened.status().ToString());
    store = std::move(opened).value();
    SurfaceContext context{*store, *verifier, issuer.get(), (dir / "work.db").string()};
    surfaces = std::make_unique<Surfaces>(context);
  }

  // As server.cc: a body is kept only if RefuseBody lets it be read, then the route table answers.
  ApiResponse Dispatch(const ApiRequest& request) {
    if (++runs % kResetEvery == 0) Reset();
    if (!request.body.empty()) {
      ApiRequest head = request;
      head.body.clear();
      if (auto refused = surfaces->routes().RefuseBody(head)) return std::move(*refused);
    }
    return surfaces->Answer(request);
  }
};

std::string_view NextLine(std::string_view& text) {
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  World& world = World::Get();
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view first = NextLine(text);
  size_t space = first.find(' ');
  if (space == std::string_view::npos || space == 0) return 0;

  ApiRequest request;
  request.method = std::string(first.substr(0, space));
  RequestTarget target = ParseRequestTarget(first.substr(space + 1));
  request.path = std::move(target.path);
  request.query = std::move(target.query);
  for (const auto& [key, value] : request.query)
    if (EqualsIgnoreCase(key, "api-version")) {
      request.api_version = value;
      break;
    }
  while (!text.empty()) {
    std::string_view line = NextLine(text);
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string name(line.substr(0, colon));
    std::string value(colon == std::string_view::npos ? "" : line.substr(colon + 1));
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (!request.authorization && EqualsIgnoreCase(name, "Authorization")) request.authorization = value;
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  size_t who = data[0] % (kCallerCount + 2);
  if (who < kCallerCount) {
    request.authorization = world.tokens[who];
  } else if (who == kCallerCount) {
    request.authorization = "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln";  // well-formed, signed by nobody
  }  // else: the Authorization header from the input, if any
  request.body = std::string(text);
  request.request_id = "00000000-0000-4000-8000-000000000000";

  ApiResponse response = world.Dispatch(request);
  if (response.status < 100 || response.status > 599) Violated("a status outside 100-599");
  // A surface that fails inside answers 500 with a reason in the log: the fuzzer counts it as a finding.
  if (response.status == 500) Violated(("500 Internal: " + response.log_detail).c_str());
  return 0;
}
