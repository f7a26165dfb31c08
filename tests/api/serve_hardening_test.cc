// The server's defences found by attacking it (issue 12, items 12 to 16): bodies only for verified callers and
// within a budget, bounded connections, no request smuggling, an unforgeable request log, the security headers,
// forward-secret TLS only, Host required, HEAD as the spec says, the dev issuer kept local.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "api/arm_errors.h"
#include "api/management_partner.h"
#include "raw_tls.h"
#include "serve_fixture.h"
#include "support/process.h"

namespace openpal::api::testing {
namespace {

std::string Put(const std::string& partner, const std::string& fields) {
  return "PUT " + PartnerPath(partner) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields + "\r\n";
}

// 12. Without a valid token the body is never read: the 401 comes as soon as the head is in, although the
// declared body has not been sent (before, the server waited up to 30 s for it, holding up to 1 MiB).
TEST(Hardening, BodiesAreNotReadWithoutAVerifiedToken) {
  auto& env = ServeEnv::Get();
  for (std::string auth : {std::string(), std::string("Authorization: Bearer not.a.token\r\n")}) {
    RawTls conn(env.port());
    ASSERT_TRUE(conn.connected());
    auto started = std::chrono::steady_clock::now();
    conn.Send(Put("1234567", auth + "Content-Length: 1000000\r\n"));
    std::string answer = conn.ReadResponse();
    EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << auth << answer;
    EXPECT_NE(answer.find("WWW-Authenticate: Bearer"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  }
  // A verified caller's body is read as before.
  RawTls conn(env.port());
  ASSERT_TRUE(conn.connected());
  conn.Send(Put("1234567", "Authorization: Bearer " + env.TokenA(38) + "\r\nContent-Length: 4\r\n") + "{b:1");
  std::string answer = conn.ReadResponse();
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("InvalidRequestContent"), std::string::npos) << answer;
}

// 12. The bodies held at once are bounded (--body-memory, here 1 MiB): a second 0.95 MiB body while the first is
// still arriving gets 503 with Retry-After, unread; once the first is answered there is room again.
TEST(Hardening, BodiesHeldAtOnceAreBounded) {
  auto& env = ServeEnv::Get();
  PalServer server = env.StartServer({"--body-memory", "1"});
  ASSERT_GT(server.port, 0);
  std::string auth = "Authorization: Bearer " + env.TokenA(38) + "\r\n";
  std::string body(1000000, ' ');
  body.front() = '{';
  body.back() = '}';
  RawTls first(server.port);
  ASSERT_TRUE(first.connected());
  // 100 Continue comes once the head is accepted and its budget taken.
  first.Send(Put("1234567", auth + "Content-Length: 1000000\r\nExpect: 100-continue\r\n"));
  std::string go_on = first.ReadHead();
  ASSERT_EQ(go_on.rfind("HTTP/1.1 100", 0), 0u) << go_on;
  first.Send(body.substr(0, 1000));

  RawTls second(server.port);
  ASSERT_TRUE(second.connected());
  second.Send(Put("1234567", auth + "Content-Length: 1000000\r\n"));
  std::string refused = second.ReadResponse();
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("ServiceUnavailable"), std::string::npos) << refused;

  first.Send(body.substr(1000));
  std::string done = first.ReadResponse();
  EXPECT_EQ(done.rfind("HTTP/1.1 200", 0), 0u) << done.substr(0, 300);

  RawTls third(server.port);
  ASSERT_TRUE(third.connected());
  third.Send(Put("1234567", auth + "Content-Length: 1000000\r\n") + body);
  std::string again = third.ReadResponse();
  EXPECT_EQ(again.rfind("HTTP/1.1 200", 0), 0u) << again.substr(0, 300);
  EXPECT_EQ(server.Stop(), 0);
}

// 12. Connections are bounded (--max-connections, here 4): the next ones are answered 503 with Retry-After, and
// beyond twice the bound closed at once; the first ones are served as before.
TEST(Hardening, ConnectionsAreBounded) {
  auto& env = ServeEnv::Get();
  PalServer server = env.StartServer({"--max-connections", "4"});
  ASSERT_GT(server.port, 0);
  std::string get = "GET /providers/Microsoft.ManagementPartner/operations?api-version=2018-02-01 HTTP/1.1\r\n"
                    "Host: 127.0.0.1\r\nAuthorization: Bearer " + env.TokenA(38) + "\r\n\r\n";
  std::vector<std::unique_ptr<RawTls>> conns;
  for (int i = 0; i < 4; ++i) {
    conns.push_back(std::make_unique<RawTls>(server.port));
    ASSERT_TRUE(conns.back()->connected()) << i;
  }
  RawTls over(server.port);
  ASSERT_TRUE(over.connected());
  over.Send(get);
  std::string busy = over.ReadResponse();
  EXPECT_EQ(busy.rfind("HTTP/1.1 503", 0), 0u) << busy;
  EXPECT_NE(busy.find("Retry-After: 1"), std::string::npos) << busy;
  for (auto& conn : conns) {
    conn->Send(get);
    std::string answer = conn->ReadResponse();
    EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  }
  std::vector<std::unique_ptr<RawTls>> more;  // up to 8 are accepted (and answered 503), more are closed
  for (int i = 0; i < 6; ++i) more.push_back(std::make_unique<RawTls>(server.port));
  EXPECT_FALSE(more.back()->connected());
  EXPECT_EQ(server.Stop(), 0);
}

// 14. RFC 9112 §6.3: a Transfer-Encoding whose last coding is not chunked gets 400 and the connection closes;
// the bytes after the head are never taken for a second request (smuggling).
TEST(Hardening, TransferEncodingNotEndingInChunkedIs400AndCloses) {
  auto& env = ServeEnv::Get();
  std::string smuggled = "GET /providers/Microsoft.ManagementPartner/operations?api-version=2018-02-01 HTTP/1.1\r\n"
                         "Host: 127.0.0.1\r\nAuthorization: Bearer " + env.TokenA(38) + "\r\n\r\n";
  for (const char* coding : {"identity", "chunked, identity", "gzip"}) {
    RawTls conn(env.port());
    ASSERT_TRUE(conn.connected());
    conn.Send(Put("1234567", "Authorization: Bearer " + env.TokenA(38) + "\r\nTransfer-Encoding: " + coding + "\r\n") +
              smuggled);
    std::string answer = conn.ReadResponse();
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << coding << ": " << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
    EXPECT_EQ(conn.ReadResponse(), "") << coding << ": the body was answered as a request";
  }
}

// 15. Every logged field a client controls is quoted: a path with spaces and quotes cannot forge the status or
// caller fields after it (before, this 401 was logged so as to read as a 200 of someone else).
TEST(Hardening, TheRequestLogQuotesThePath) {
  auto& env = ServeEnv::Get();
  auto r = env.Call("GET", "/x%20200%201.0ms%20request_id=forged%20caller=t/o%22%5C%0A", "");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 401);
  std::string id = r->get_header_value("x-ms-request-id");
  std::string log;
  for (int i = 0; i < 50 && log.find(id) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(env.log_path());
    log.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t at = log.find("request_id=" + id);
  ASSERT_NE(at, std::string::npos);
  std::string line = log.substr(log.rfind('\n', at) + 1, log.find('\n', at) - log.rfind('\n', at) - 1);
  EXPECT_NE(line.find(R"("GET" "/x 200 1.0ms request_id=forged caller=t/o\"\\\x0a" 401 )"), std::string::npos)
      << line;
}

// 16. A store whose write lock another process holds past the busy timeout answers 503 with Retry-After (the
// request may be retried), not 500.
TEST(Hardening, AStoreBusyIs503WithRetryAfter) {
  ApiResponse r = ErrorResponse(Status::Error(StatusCode::kBusy, "beginning a write: database is locked", "x.db"));
  EXPECT_EQ(r.status, 503);
  bool retry_after = false;
  for (const auto& [name, value] : r.headers) retry_after |= name == "Retry-After" && value == "10";
  EXPECT_TRUE(retry_after);
  EXPECT_EQ(r.body.find("x.db"), std::string::npos) << r.body;  // internals are logged, not sent
  EXPECT_NE(r.log_detail.find("database is locked"), std::string::npos);
}

// 16. Every answer says nosniff; over HTTPS, HSTS.
TEST(Hardening, ResponsesCarryNosniffAndHsts) {
  auto& env = ServeEnv::Get();
  for (const std::string& token : {env.TokenA(38), std::string()}) {
    auto r = env.Call("GET", PartnerPath("1234567"), token);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r->get_header_value("Strict-Transport-Security"), "max-age=31536000");
  }
}

// 16. TLS 1.2 suites without forward secrecy (static RSA key exchange) or without AEAD (CBC) are refused; ECDHE
// with AES-GCM is accepted.
TEST(Hardening, Tls12SuitesWithoutForwardSecrecyAreRefused) {
  auto& env = ServeEnv::Get();
  auto tls12 = [](const char* suites) {
    return [suites](SSL_CTX* ctx) {
      SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
      SSL_CTX_set_cipher_list(ctx, suites);
    };
  };
  for (const char* weak : {"AES128-GCM-SHA256", "AES256-SHA256", "ECDHE-RSA-AES128-SHA256", "AES128-SHA"}) {
    RawTls conn(env.port(), tls12(weak));
    EXPECT_FALSE(conn.connected()) << weak;
  }
  RawTls good(env.port(), tls12("ECDHE-RSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(good.connected());
}

// 16. RFC 9112 §3.2: an HTTP/1.1 request without Host (or with two) is 400; HTTP/1.0 needs none.
TEST(Hardening, Http11WithoutHostIs400) {
  auto& env = ServeEnv::Get();
  std::string target = "/providers/Microsoft.ManagementPartner/operations?api-version=2018-02-01";
  std::string auth = "Authorization: Bearer " + env.TokenA(38) + "\r\n";
  for (std::string hosts : {std::string(), std::string("Host: a\r\nHost: b\r\n")}) {
    RawTls conn(env.port());
    ASSERT_TRUE(conn.connected());
    conn.Send("GET " + target + " HTTP/1.1\r\n" + hosts + auth + "\r\n");
    std::string answer = conn.ReadResponse();
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
    EXPECT_NE(answer.find("Host"), std::string::npos) << answer;
  }
  RawTls old(env.port());
  ASSERT_TRUE(old.connected());
  old.Send("GET " + target + " HTTP/1.0\r\n" + auth + "\r\n");
  EXPECT_EQ(old.ReadResponse().rfind("HTTP/1.0 200", 0), 0u);
}

// 16. HEAD on the ARM routes: the provider defines GET, PUT, PATCH and DELETE only (link-api.md; the reference's
// endpoint table), so HEAD is 405 with Allow, like any other method the route lacks, and without a body.
TEST(Hardening, HeadOnArmRoutesIs405WithAllow) {
  auto& env = ServeEnv::Get();
  RawTls conn(env.port());
  ASSERT_TRUE(conn.connected());
  std::string auth = "Host: 127.0.0.1\r\nAuthorization: Bearer " + env.TokenA(38) + "\r\n\r\n";
  conn.Send("HEAD " + PartnerPath("2222222") + " HTTP/1.1\r\n" + auth);
  std::string head = conn.ReadHead();
  EXPECT_EQ(head.rfind("HTTP/1.1 405", 0), 0u) << head;
  EXPECT_NE(head.find("Allow: GET, PUT, PATCH, DELETE"), std::string::npos) << head;
  conn.Send("GET " + PartnerPath("2222222") + " HTTP/1.1\r\n" + auth);  // no body came before this answer
  EXPECT_EQ(conn.ReadResponse().rfind("HTTP/1.1 404", 0), 0u);
}

// Runs `pal serve <args>` for at most 5 s; its exit code (124: still running, killed) and standard error.
std::pair<int, std::string> ServeBriefly(const std::string& args) {
  std::vector<std::string> argv = openpal::testing::SplitArgs(args);
  argv.insert(argv.begin(), "serve");
  auto r = openpal::testing::RunPal(argv, {.timeout_seconds = 5});
  return {r.exit_code, r.err};
}

// 16. The dev issuer (anyone reading its key file signs in as anyone) is refused beside --jwks and on an address
// other machines reach, naming why; --dev-issuer-anywhere allows it with a warning.
TEST(Hardening, DevIssuerIsRefusedBesideJwksOrOffLoopback) {
  char tmpl[] = "/tmp/openpal-dev-issuer-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  std::string jwks = dir + "/keys.jwks";
  std::ofstream(jwks) << R"({"keys":[]})";
  std::string db = " --db " + dir + "/openpal.db";
  auto beside = ServeBriefly("--listen 127.0.0.1:0 --dev-issuer --jwks " + jwks + db);
  EXPECT_EQ(beside.first, 2) << beside.second;
  EXPECT_NE(beside.second.find("refusing --dev-issuer beside --jwks"), std::string::npos) << beside.second;
  // 192.0.2.1 (TEST-NET-1) is never an address of this machine: nothing is ever bound.
  auto off = ServeBriefly("--listen 192.0.2.1:0 --dev-issuer" + db);
  EXPECT_EQ(off.first, 2) << off.second;
  EXPECT_NE(off.second.find("not a loopback address"), std::string::npos) << off.second;
  EXPECT_NE(off.second.find("token service (/adfs)"), std::string::npos) << off.second;  // issue 14: says what it exposes
  auto allowed = ServeBriefly("--listen 192.0.2.1:0 --dev-issuer --dev-issuer-anywhere" + db);
  EXPECT_NE(allowed.second.find("WARNING: --dev-issuer on 192.0.2.1"), std::string::npos) << allowed.second;
  EXPECT_NE(allowed.second.find("cannot listen"), std::string::npos) << allowed.second;  // got as far as binding
  EXPECT_NE(allowed.second.find("from any host name"), std::string::npos) << allowed.second;
  // On loopback it starts, and says at once that its token service is for development only.
  auto loopback = ServeBriefly("--listen 127.0.0.1:0 --dev-issuer" + db);
  EXPECT_EQ(loopback.first, 124) << loopback.second;  // still serving when stopped
  EXPECT_NE(loopback.second.find("/adfs"), std::string::npos) << loopback.second;
  EXPECT_NE(loopback.second.find("FOR DEVELOPMENT AND TESTS ONLY"), std::string::npos) << loopback.second;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace openpal::api::testing
