// Edge behaviour of the running server: raw HTTP framing, and the directory changing under a live server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <random>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "serve_fixture.h"
#include "store/store.h"

namespace openpal::api::testing {
namespace {

// A bare TLS connection, so a test can send exactly the bytes it wants. Reads time out after 5 s.
class RawTls {
 public:
  explicit RawTls(int port) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    connected_ = connected_ && SSL_connect(ssl_) == 1;
  }
  ~RawTls() {
    SSL_free(ssl_);
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) { SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())); }
  // Reads one response's head and Content-Length body; "" on timeout.
  std::string ReadResponse() {
    std::string data;
    char buf[4096];
    while (true) {
      size_t head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t cl = data.find("Content-Length: ");
        size_t length = cl == std::string::npos ? 0 : std::strtoul(data.c_str() + cl + 16, nullptr, 10);
        if (data.size() >= head_end + 4 + length) return data.substr(0, head_end + 4 + length);
      }
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) return "";
      data.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
};

// HTTP/1.1: a request with neither Content-Length nor Transfer-Encoding has no body; the server must answer at once
// and keep the connection usable.
TEST(Framing, BodylessPutWithoutContentLengthIsAnsweredAtOnce) {
  auto& env = ServeEnv::Get();
  RawTls conn(env.port());
  ASSERT_TRUE(conn.connected());
  std::string head = "Host: 127.0.0.1\r\nAuthorization: Bearer " + env.TokenA(14) + "\r\n\r\n";
  auto started = std::chrono::steady_clock::now();
  conn.Send("PUT " + PartnerPath("1234567") + " HTTP/1.1\r\n" + head);
  std::string first = conn.ReadResponse();
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  conn.Send("DELETE " + PartnerPath("1234567") + " HTTP/1.1\r\n" + head);
  std::string second = conn.ReadResponse();
  EXPECT_EQ(second.rfind("HTTP/1.1 200", 0), 0u) << second;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

// The principal must be enabled at the time of the request: an import that disables it takes effect within the
// API's directory cache lifetime (1 s, docs/api.md "Caching").
TEST(Directory, DisablingAPrincipalByImportTakesEffectWithinASecond) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(15);
  ASSERT_EQ(env.Call("PUT", PartnerPath("1234567"), t)->status, 200);
  {
    auto store = OpenSqliteStore(env.db_path());
    ASSERT_TRUE(store.ok());
    auto tx = (*store)->BeginImport();
    ASSERT_TRUE(tx.ok());
    auto open = (*tx)->OpenFacts(FactKind::kPrincipal, std::string(kTenantA));
    ASSERT_TRUE(open.ok());
    Timestamp now = Timestamp::Now();
    bool found = false;
    for (const auto& f : *open) {
      auto p = std::get<Principal>(f.value);
      if (p.object_id != UserA(15)) continue;
      found = true;
      ASSERT_TRUE((*tx)->Close(FactKind::kPrincipal, f.id, now).ok());
      p.enabled = false;
      ASSERT_TRUE((*tx)->Insert(p, Interval{now, Timestamp::Max()}).ok());
    }
    ASSERT_TRUE(found);
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto r = env.Call("GET", PartnerPath("1234567"), t);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_EQ(Json(r)["code"], "PrincipalNotFound");
}

// Another writer of the same database (a second server) is seen by GETs within the 1 s link cache.
TEST(Directory, AnotherWritersLinkChangeShowsWithinASecond) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(16);
  ASSERT_EQ(env.Call("PUT", PartnerPath("1234567"), t)->status, 200);
  ASSERT_EQ(Json(env.Call("GET", PartnerPath("1234567"), t))["etag"], 1);  // now remembered by the server
  {
    auto store = OpenSqliteStore(env.db_path());
    ASSERT_TRUE(store.ok());
    auto moved = (*store)->ChangeLink(kTenantA, UserA(16), Timestamp::Now(), "other-writer", [](const LinkState&) {
      return LinkDecision{LinkDecision::Action::kMove, "1234568"};
    });
    ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto now = Json(env.Call("GET", "/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01", t));
  EXPECT_EQ(now["properties"]["partnerId"], "1234568");
  EXPECT_EQ(now["etag"], 2);
}

// Garbage in: random methods, paths, Authorization headers, correlation ids and bodies each get an ARM error (or
// a link) and never take the server down; raw random bytes on a connection neither.
TEST(Fuzz, RandomRequestsGetArmAnswersAndTheServerSurvives) {
  auto& env = ServeEnv::Get();
  std::mt19937 rng(2026);
  auto random_text = [&](size_t max, const std::string& alphabet) {
    std::string s(rng() % max, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  const std::string path_chars = "abcAZ09/._-~%?=&";
  const std::string header_chars = "Bearer eyJ.abc-_ =\"\t";
  const char* methods[] = {"GET", "PUT", "PATCH", "DELETE", "POST", "OPTIONS"};
  std::string good = env.TokenA(17);
  for (int i = 0; i < 300; ++i) {
    std::string path = "/" + random_text(80, path_chars);
    if (i % 3 == 0) path = "/providers/Microsoft.ManagementPartner/" + random_text(40, path_chars);
    httplib::Headers headers;
    std::string token;
    if (i % 4 == 0) token = good;
    else if (i % 4 == 1) headers.emplace("Authorization", random_text(200, header_chars));
    headers.emplace("x-ms-correlation-request-id", random_text(200, header_chars));
    std::string body = i % 5 == 0 ? random_text(300, "{}[]\":,01ab") : "";
    auto r = env.Call(methods[rng() % 6], path, token, body, headers);
    ASSERT_TRUE(r) << "no answer to " << path;
    if (r->status == 200) continue;  // a random path can be a real route
    EXPECT_TRUE(r->status == 400 || r->status == 401 || r->status == 403 || r->status == 404 || r->status == 405)
        << r->status << " for " << path;
    auto j = Json(r);
    ASSERT_TRUE(j.is_object()) << r->body;
    EXPECT_TRUE(j["error"]["code"].is_string());
    EXPECT_LE(r->get_header_value("x-ms-correlation-request-id").size(), 128u);
  }
  for (int i = 0; i < 20; ++i) {
    RawTls conn(env.port());
    ASSERT_TRUE(conn.connected());
    std::string junk(1 + rng() % 2000, ' ');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (i % 2) junk = "GET /" + junk + " HTTP/1.1\r\nContent-Length: " + std::to_string(rng()) + "\r\n\r\n";
    conn.Send(junk);
  }
  EXPECT_EQ(env.Call("GET", PartnerPath("1234567"), good)->status, 404);  // still serving
}

}  // namespace
}  // namespace openpal::api::testing
