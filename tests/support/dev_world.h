// Test support: the demo world in a fresh store, a self-signed certificate for 127.0.0.1 and `pal serve --dev-issuer`
// over TLS on it — the fixture the dev-issuer tests share (directory routes, token service, pal managementpartner).
// Header-only; its users link openpal_api (the certificate) and openpal_test_support (the processes).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include "api/tls.h"
#include "support/process.h"

namespace openpal::testing {

// A `pal serve --dev-issuer` child over TLS (the certificate at `cert`), dying with the test binary.
struct DevServer {
  Child child;
  int port = 0;
  std::string error;
  void Stop() { child.Stop(10); }
};

// `extra`: more arguments of pal serve.
inline DevServer StartDevServer(const std::string& dir, const std::string& db, const std::string& cert,
                                const std::string& key, const std::vector<std::string>& extra = {}) {
  DevServer s;
  std::vector<std::string> args = {"serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key",
                                   key, "--dev-issuer", "--threads", "8"};
  args.insert(args.end(), extra.begin(), extra.end());
  s.child = Start(PalBinary(), args,
                  {.stdout_path = dir + "/serve.out", .stderr_path = dir + "/serve.log"});
  std::vector<std::string> port;
  if (WaitForText(dir + "/serve.out", std::regex("listening on https://127\\.0\\.0\\.1:([0-9]+)"), 15, &port,
                  &s.child)) {
    s.port = std::stoi(port[1]);
    return s;
  }
  s.error = "pal serve did not start: " + SlurpFile(dir + "/serve.log");
  s.Stop();
  return s;
}

// The demo world served by `pal serve --dev-issuer`: what a suite sets up once (SetUpTestSuite) and stops at the end.
struct DevWorld {
  std::string dir, db, cert, key, error;  // error: "" when ready, else what failed
  DevServer server;

  // Imports the demo world into `dir`/NAME.db under a new temporary folder, writes the certificate, runs
  // `before_serve` (returns "" or what failed; e.g. `pal credential add`), and starts the server with `extra`
  // arguments.
  void Start(const std::string& name, const std::function<std::string()>& before_serve = {},
             const std::vector<std::string>& extra = {}) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("pal-" + name + "-test-XXXXXX")).string();
    dir = ::mkdtemp(pattern.data()) ? pattern : std::string();
    db = dir + "/" + name + ".db";
    cert = dir + "/cert.pem";
    key = dir + "/key.pem";
    error = ImportDemoWorld(db);
    if (!error.empty()) return;
    if (Status s = api::WriteSelfSignedCertificate("127.0.0.1", cert, key); !s.ok()) {
      error = s.ToString();
      return;
    }
    if (before_serve && !(error = before_serve()).empty()) return;
    server = StartDevServer(dir, db, cert, key, extra);
    error = server.error;
  }
  void Stop() { server.Stop(); }
  std::string Endpoint() const { return "https://127.0.0.1:" + std::to_string(server.port); }
};

}  // namespace openpal::testing
