// Runs the real `pal serve` (HTTPS, a test JWKS) on a loopback port over a temporary store filled with a small
// directory, and gives tests a client and tokens. One server per test binary; every wait is bounded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sys/types.h>

#include "api/jwt.h"
#include "support/process.h"

namespace openpal::api::testing {

inline constexpr const char* kTenantA = "1b1121dd-6900-412a-af73-e8d44f81e1c1";
inline constexpr const char* kTenantB = "72f988bf-86f1-41af-91ab-2d7cd011db47";
inline constexpr const char* kDisabledUser = "aaaaaaaa-0000-4000-8000-0000000000dd";
inline constexpr const char* kGroup = "aaaaaaaa-0000-4000-8000-0000000000ee";
inline constexpr const char* kPartnerName = "Contoso Managed Services (Seattle)";

// Enabled user number `i` (0..39) of tenant A, or of tenant B. User i of tenant B has the same object ID as
// user i of tenant A (IDs are per tenant).
std::string UserA(int i);
std::string UserB(int i);

// A `pal serve` child process.
struct PalServer : openpal::testing::Child {
  int port = 0;
  std::string log_path;
  // Child::Stop (SIGTERM, then waits; its exit status, or -1 if it had to be killed), and when that is not 0, the end
  // of the server's log on standard error: a sanitizer's report of the shutdown lands there, and CI shows only this.
  int Stop(int seconds = 15);
};

// Starts `pal serve --listen 127.0.0.1:0` over HTTPS on `db` with this certificate, key and JWKS (standard error to
// `log_path`), and waits up to 30 s for the port it prints; port 0 (and a test failure) when it does not start.
// `extra` are more arguments for `pal serve` (limits).
PalServer StartPalServe(const std::string& db, const std::string& cert, const std::string& key_file,
                        const std::string& jwks, const std::string& log_path,
                        const std::vector<std::string>& extra = {});

class ServeEnv {
 public:
  // The suite's server, started on first use.
  static ServeEnv& Get();

  // Starts another server on the same store (for shutdown tests), with `extra` arguments.
  PalServer StartServer(const std::vector<std::string>& extra = {});

  // A signed token for (tid, oid); `change` edits the claims first (e.g. expire it).
  std::string Token(const std::string& tid, const std::string& oid,
                    const std::function<void(nlohmann::json&)>& change = {}) const;
  std::string TokenA(int i) const { return Token(kTenantA, UserA(i)); }

  // One HTTPS request to the suite's server; `token` empty = no Authorization header.
  httplib::Result Call(const std::string& method, const std::string& path, const std::string& token,
                       const std::string& body = {}, httplib::Headers headers = {}) const;
  std::unique_ptr<httplib::SSLClient> Client(int port) const;

  const std::string& db_path() const { return db_; }
  const std::string& log_path() const { return server_.log_path; }
  int port() const { return server_.port; }

 private:
  ServeEnv();
  std::string dir_, db_, cert_, key_file_, jwks_;
  KeyPtr key_;
  PalServer server_;
};

// "/providers/Microsoft.ManagementPartner/partners/{id}?api-version=2018-02-01".
std::string PartnerPath(const std::string& id);
// Parses a response body as JSON (discarded value if it is not JSON).
nlohmann::json Json(const httplib::Result& r);

}  // namespace openpal::api::testing
