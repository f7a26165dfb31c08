// The integration fixture: a temp store with a directory, a test key as JWKS, a self-signed cert, `pal serve`.
#include "serve_fixture.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <regex>
#include <unistd.h>

#include <gtest/gtest.h>

#include "api/tls.h"
#include "store/open_store.h"
#include "store/store.h"
#include "../pg/pg_test_db.h"

namespace openpal::api::testing {
namespace {

std::string TwoDigits(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", i);
  return buf;
}

void FillDirectory(const std::string& db) {
  auto store = OpenStore(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto tx = (*store)->BeginImport();
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  Interval always{Timestamp::FromSeconds(946684800), Timestamp::Max()};  // since 2000
  auto insert = [&](const FactValue& v) {
    auto r = (*tx)->Insert(v, always);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  };
  insert(Tenant{kTenantA, "Contoso customer", "a.example"});
  insert(Tenant{kTenantB, "Fabrikam", "b.example"});
  for (int i = 0; i < 40; ++i) {
    insert(Principal{kTenantA, UserA(i), PrincipalKind::kUser, UserType::kMember, ServicePrincipalType::kOther,
                     "User A" + std::to_string(i), "a" + std::to_string(i) + "@a.example", true});
    insert(Principal{kTenantB, UserB(i), PrincipalKind::kUser, UserType::kMember, ServicePrincipalType::kOther,
                     "User B" + std::to_string(i), "b" + std::to_string(i) + "@b.example", true});
  }
  insert(Principal{kTenantA, kDisabledUser, PrincipalKind::kUser, UserType::kMember, ServicePrincipalType::kOther,
                   "Disabled", "off@a.example", false});
  insert(Principal{kTenantA, kGroup, PrincipalKind::kGroup, UserType::kUnknown, ServicePrincipalType::kOther,
                   "Admins", "", true});
  auto partner = [&](const char* id, const char* name, PartnerLevel level, const char* pga, PartnerState state) {
    insert(Partner{id, name, level, pga, state, ""});
  };
  partner("7654321", "Contoso Managed Services", PartnerLevel::kGlobal, "", PartnerState::kActive);
  partner("1234567", kPartnerName, PartnerLevel::kLocation, "7654321", PartnerState::kActive);
  partner("1234568", "Contoso Managed Services (Lyon)", PartnerLevel::kLocation, "7654321", PartnerState::kActive);
  partner("2222222", "Gone Ltd", PartnerLevel::kLocation, "", PartnerState::kDeleted);
  // The IDs of the recorded sequences (reference file §2.4 and §3.2).
  partner("123456", "Test_jefl", PartnerLevel::kLocation, "", PartnerState::kActive);
  partner("123457", "Test_jefl", PartnerLevel::kLocation, "", PartnerState::kActive);
  partner("5127255", "Test_Test_DhirajTesting", PartnerLevel::kLocation, "", PartnerState::kActive);
  partner("5127254", "Test_Test_DhirajTesting", PartnerLevel::kLocation, "", PartnerState::kActive);
  ASSERT_TRUE((*tx)->Commit().ok());
}

}  // namespace

std::string UserA(int i) { return "aaaaaaaa-0000-4000-8000-0000000000" + TwoDigits(i); }
std::string UserB(int i) { return "aaaaaaaa-0000-4000-8000-0000000000" + TwoDigits(i); }

ServeEnv& ServeEnv::Get() {
  static ServeEnv* env = new ServeEnv();  // stopped by the atexit hook below
  return *env;
}

ServeEnv::ServeEnv() {
  std::signal(SIGPIPE, SIG_IGN);  // a client writing to a server that just stopped must see an error, not die
  char tmpl[] = "/tmp/openpal-api-test-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  db_ = dir_ + "/openpal.db";
  // OPENPAL_TEST_BACKEND=postgres (ctest's pg.* run of the suite): the same tests on a fresh PostgreSQL database.
  if (const char* backend = std::getenv("OPENPAL_TEST_BACKEND"); backend && std::string(backend) == "postgres") {
    static auto* pg = new openpal::testing::TestDatabase();  // lives as long as the process, as the server does
    if (!pg->ok()) {
      std::fprintf(stderr, "OPENPAL_TEST_BACKEND=postgres: %s\n", pg->why().c_str());
      std::abort();  // no silent fallback to SQLite: the PostgreSQL run must fail loudly
    }
    db_ = pg->uri();
  }
  cert_ = dir_ + "/cert.pem";
  key_file_ = dir_ + "/key.pem";
  jwks_ = dir_ + "/keys.jwks";
  FillDirectory(db_);
  EXPECT_TRUE(WriteSelfSignedCertificate("127.0.0.1", cert_, key_file_).ok());
  key_ = *GenerateRsaKey(2048);
  std::ofstream(jwks_) << "{\"keys\":[" << *PublicJwk(key_, "test-k1") << "]}";
  server_ = StartServer();
  std::atexit([] {
    int code = Get().server_.Stop();
    if (code != 0) std::fprintf(stderr, "pal serve exited with %d on SIGTERM\n", code);
  });
}

int PalServer::Stop(int seconds) {
  int code = Child::Stop(seconds);
  if (code != 0 && !log_path.empty()) {
    std::string log = openpal::testing::SlurpFile(log_path);
    constexpr size_t kTail = 6000;
    if (log.size() > kTail) log = "...\n" + log.substr(log.size() - kTail);
    std::fprintf(stderr, "pal serve exited with %d; the end of its log %s:\n%s\n", code, log_path.c_str(), log.c_str());
  }
  return code;
}

PalServer StartPalServe(const std::string& db, const std::string& cert, const std::string& key_file,
                        const std::string& jwks, const std::string& log_path,
                        const std::vector<std::string>& extra) {
  PalServer server;
  server.log_path = log_path;
  std::vector<std::string> args = {"serve", "--db", db, "--listen", "127.0.0.1:0",
                                   "--tls-cert", cert, "--tls-key", key_file, "--jwks", jwks};
  args.insert(args.end(), extra.begin(), extra.end());
  const std::string out = log_path + ".out";
  // SIGTERM if the test binary dies: its server goes too, and shuts down as it would.
  static_cast<openpal::testing::Child&>(server) = openpal::testing::Start(
      openpal::testing::PalBinary(), args, {.stdout_path = out, .stderr_path = log_path}, SIGTERM);
  // "pal serve: listening on https://127.0.0.1:PORT ..." within 30 s.
  std::vector<std::string> port;
  if (openpal::testing::WaitForText(out, std::regex("://127\\.0\\.0\\.1:([0-9]+)"), 30, &port, &server))
    server.port = std::stoi(port[1]);
  else
    ADD_FAILURE() << "pal serve did not start: " << openpal::testing::SlurpFile(out)
                  << openpal::testing::SlurpFile(log_path);
  return server;
}

PalServer ServeEnv::StartServer(const std::vector<std::string>& extra) {
  return StartPalServe(db_, cert_, key_file_, jwks_,
                       dir_ + "/serve-" + std::to_string(::time(nullptr)) + "-" + std::to_string(rand()) + ".log",
                       extra);
}

std::string ServeEnv::Token(const std::string& tid, const std::string& oid,
                            const std::function<void(nlohmann::json&)>& change) const {
  int64_t now = Timestamp::Now().micros / 1000000;
  nlohmann::json claims = {{"aud", "https://management.azure.com/"},
                           {"iss", "https://sts.windows.net/" + tid + "/"},
                           {"tid", tid},
                           {"oid", oid},
                           {"nbf", now - 10},
                           {"exp", now + 3600}};
  nlohmann::json header = {{"alg", "RS256"}, {"kid", "test-k1"}, {"typ", "JWT"}};
  if (change) change(claims);
  if (claims.contains("__header")) {
    header = claims["__header"];
    claims.erase("__header");
  }
  return *SignRs256(header.dump(), claims.dump(), key_);
}

std::unique_ptr<httplib::SSLClient> ServeEnv::Client(int port) const {
  auto cli = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
  cli->set_ca_cert_path(cert_.c_str());
  cli->enable_server_certificate_verification(true);
  cli->set_connection_timeout(10);
  cli->set_read_timeout(20);
  cli->set_write_timeout(20);
  return cli;
}

httplib::Result ServeEnv::Call(const std::string& method, const std::string& path, const std::string& token,
                               const std::string& body, httplib::Headers headers) const {
  thread_local std::unique_ptr<httplib::SSLClient> cli;
  thread_local int cli_port = 0;
  if (!cli || cli_port != server_.port) {
    cli = Client(server_.port);
    cli_port = server_.port;
  }
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = std::move(headers);
  if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
  req.body = body;
  if (!body.empty() && !req.has_header("Content-Type")) req.headers.emplace("Content-Type", "application/json");
  return cli->send(req);
}

std::string PartnerPath(const std::string& id) {
  return "/providers/Microsoft.ManagementPartner/partners/" + id + "?api-version=2018-02-01";
}

nlohmann::json Json(const httplib::Result& r) {
  if (!r) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(r->body, nullptr, false);
}

}  // namespace openpal::api::testing
