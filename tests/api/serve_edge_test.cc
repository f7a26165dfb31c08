// Edge behaviour of the running server: raw HTTP framing and limits, and the directory changing under a live server.
#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <random>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "api/http_pool.h"
#include "api/http_target.h"
#include "raw_tls.h"
#include "serve_fixture.h"
#include "store/open_store.h"
#include "store/store.h"

namespace openpal::api::testing {
namespace {

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

// The principal must be enabled at the time of the request: an import that disables it takes effect for the next
// request (the directory cache notices the commit, docs/api.md "Caching").
TEST(Directory, DisablingAPrincipalByImportTakesEffectAtOnce) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(15);
  ASSERT_EQ(env.Call("PUT", PartnerPath("1234567"), t)->status, 200);
  {
    auto store = OpenStore(env.db_path());
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
  auto r = env.Call("GET", PartnerPath("1234567"), t);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_EQ(Json(r)["code"], "PrincipalNotFound");
}

// Another writer of the same database (a second server) is seen by the next GET: the link cache notices the commit
// (Store::ChangeCounter).
TEST(Directory, AnotherWritersLinkChangeShowsAtOnce) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(16);
  ASSERT_EQ(env.Call("PUT", PartnerPath("1234567"), t)->status, 200);
  ASSERT_EQ(Json(env.Call("GET", PartnerPath("1234567"), t))["etag"], 1);  // now remembered by the server
  {
    auto store = OpenStore(env.db_path());
    ASSERT_TRUE(store.ok());
    auto moved = (*store)->ChangeLink(kTenantA, UserA(16), Timestamp::Now(), "other-writer", [](const LinkState&) {
      return LinkDecision{LinkDecision::Action::kMove, "1234568"};
    });
    ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  }
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

// HTTP/1.1 servers must accept chunked request bodies: valid JSON is ignored, invalid JSON refused, as for a
// Content-Length body.
TEST(Framing, ChunkedRequestBodiesAreRead) {
  auto& env = ServeEnv::Get();
  RawTls conn(env.port());
  ASSERT_TRUE(conn.connected());
  std::string head = "Host: 127.0.0.1\r\nAuthorization: Bearer " + env.TokenA(30) + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  conn.Send("PUT " + PartnerPath("1234567") + " HTTP/1.1\r\n" + head + "5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n");
  std::string put = conn.ReadResponse();
  EXPECT_EQ(put.rfind("HTTP/1.1 200", 0), 0u) << put;
  EXPECT_NE(put.find("\"partnerId\":\"1234567\""), std::string::npos) << put;
  conn.Send("PATCH " + PartnerPath("1234568") + " HTTP/1.1\r\n" + head + "4\r\n{bad\r\n0\r\n\r\n");
  std::string patch = conn.ReadResponse();
  EXPECT_EQ(patch.rfind("HTTP/1.1 400", 0), 0u) << patch;
  EXPECT_NE(patch.find("InvalidRequestContent"), std::string::npos) << patch;
}

// Over 1 MiB is refused with 413 whether the size is declared (answered before the body is sent, so a client
// waiting on Expect: 100-continue is not kept waiting, and before the token is looked at) or found while reading
// chunks.
TEST(Framing, OversizeBodiesGet413DeclaredOrChunked) {
  auto& env = ServeEnv::Get();
  RawTls declared(env.port());
  ASSERT_TRUE(declared.connected());
  auto started = std::chrono::steady_clock::now();
  declared.Send("PUT " + PartnerPath("1234567") +
                " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n");
  std::string early = declared.ReadResponse();
  EXPECT_EQ(early.rfind("HTTP/1.1 413", 0), 0u) << early;
  EXPECT_NE(early.find("RequestEntityTooLarge"), std::string::npos) << early;
  EXPECT_NE(early.find("x-ms-request-id: "), std::string::npos) << early;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));

  RawTls chunked(env.port());
  ASSERT_TRUE(chunked.connected());
  // A chunked body is read (so its size found) only for a verified caller: without a token it is a 401, unread.
  chunked.Send("PUT " + PartnerPath("1234567") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
               env.TokenA(39) + "\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
  for (int i = 0; i < 17; ++i) chunked.Send(chunk);  // 17 x 64 KiB: just over 1 MiB
  std::string late = chunked.ReadResponse();
  EXPECT_EQ(late.rfind("HTTP/1.1 413", 0), 0u) << late.substr(0, 200);
}

// HEAD answers with the headers a GET would get, Content-Length included, and no body: the next request on the
// connection is read from the right byte.
TEST(Framing, HeadHasNoBodyAndKeepsTheConnectionInStep) {
  auto& env = ServeEnv::Get();
  RawTls conn(env.port());
  ASSERT_TRUE(conn.connected());
  std::string auth = "Host: 127.0.0.1\r\nAuthorization: Bearer " + env.TokenA(31) + "\r\n\r\n";
  conn.Send("HEAD " + PartnerPath("1234567") + " HTTP/1.1\r\n" + auth);
  std::string head = conn.ReadHead();
  ASSERT_FALSE(head.empty());
  EXPECT_NE(head.find("Content-Length: "), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length: 0\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("x-ms-request-id: "), std::string::npos) << head;
  conn.Send("GET " + PartnerPath("1234567") + " HTTP/1.1\r\n" + auth);
  std::string next = conn.ReadResponse();
  EXPECT_EQ(next.rfind("HTTP/1.1 404", 0), 0u) << next;
  EXPECT_NE(next.find("ManagementPartnerNotFound"), std::string::npos) << next;
}

// Requests sent back to back without waiting (pipelining) are answered in order.
TEST(Framing, PipelinedRequestsAreAnsweredInOrder) {
  auto& env = ServeEnv::Get();
  RawTls conn(env.port());
  ASSERT_TRUE(conn.connected());
  std::string auth = "Host: 127.0.0.1\r\nAuthorization: Bearer " + env.TokenA(32) + "\r\n\r\n";
  conn.Send("GET /providers/Microsoft.ManagementPartner/operations?api-version=2018-02-01 HTTP/1.1\r\n" + auth +
            "GET " + PartnerPath("1234567") + " HTTP/1.1\r\n" + auth);
  std::string first = conn.ReadResponse();
  EXPECT_NE(first.find("Microsoft.ManagementPartner/partners/read"), std::string::npos) << first;
  std::string second = conn.ReadResponse();
  EXPECT_NE(second.find("ManagementPartnerNotFound"), std::string::npos) << second;
}

// Paths and query parameters are percent-decoded before routing; bytes that are not UTF-8 are just an unknown
// path or partner, answered with an ARM body.
TEST(Framing, PercentEncodedTargetsAreDecoded) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(33);
  auto put = env.Call("PUT", "/providers/Microsoft.ManagementPartner/partners/%31%32%334567?api%2Dversion=2018-02-01", t);
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(Json(put)["properties"]["partnerId"], "1234567");
  for (const char* path : {"/providers/Microsoft.ManagementPartner/partners/%FF%FE%00x?api-version=2018-02-01",
                           "/%C3%28%ZZ/%?api-version=%FF"}) {
    auto r = env.Call("GET", path, t);
    ASSERT_TRUE(r) << path;
    EXPECT_TRUE(r->status == 400 || r->status == 404) << r->status << " for " << path;
    EXPECT_TRUE(Json(r)["error"]["code"].is_string()) << r->body;
  }
  EXPECT_EQ(env.Call("DELETE", PartnerPath("1234567"), t)->status, 200);
}

// The request head is bounded (32 KiB): a token of the largest size verified (16 KiB) fits, a 40 KiB header gets
// an ARM 400 instead of being buffered.
TEST(Limits, RequestHeadsAreBounded) {
  auto& env = ServeEnv::Get();
  auto big_token = env.Call("GET", PartnerPath("1234567"), std::string(16 * 1024, 'a'));
  ASSERT_TRUE(big_token);
  EXPECT_EQ(big_token->status, 401);
  auto huge = env.Call("GET", PartnerPath("1234567"), env.TokenA(34), {}, {{"X-Padding", std::string(40000, 'p')}});
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 400);
  EXPECT_EQ(Json(huge)["code"], "InvalidRequestContent");
}

// A keep-alive connection left idle is closed after the idle timeout (5 s), so idle clients cannot pile up.
TEST(Limits, IdleConnectionsAreClosedAfterTheTimeout) {
  auto& env = ServeEnv::Get();
  RawTls conn(env.port());
  ASSERT_TRUE(conn.connected());
  double seconds = conn.SecondsUntilClosed(15);
  EXPECT_GT(seconds, 3.5);
  EXPECT_LT(seconds, 9.0);
}

// Connections cost no thread each: 300 held open at once (more than the blocking pool's 256 threads) are all
// answered.
TEST(Limits, ManyOpenConnectionsAreAllServed) {
  auto& env = ServeEnv::Get();
  std::vector<std::unique_ptr<RawTls>> conns;
  for (int i = 0; i < 300; ++i) {
    conns.push_back(std::make_unique<RawTls>(env.port()));
    ASSERT_TRUE(conns.back()->connected()) << i;
  }
  std::string request = "GET " + PartnerPath("1234567") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                        env.TokenA(35) + "\r\n\r\n";
  for (auto& conn : conns) conn->Send(request);
  int answered = 0;
  for (auto& conn : conns) answered += conn->ReadResponse().find("ManagementPartnerNotFound") != std::string::npos;
  EXPECT_EQ(answered, 300);
}

// The request target as surfaces see it: path decoded without '+' rules, query pairs in order with '+' as space,
// malformed escapes kept, the legacy %uXXXX as UTF-8.
TEST(RequestTarget, PathAndQueryAreDecodedInOrder) {
  EXPECT_EQ(PercentDecode("%41%zz%u00e9+%", true), "A%zz\xC3\xA9 %");
  EXPECT_EQ(PercentDecode("a+b%2B", false), "a+b+");
  RequestTarget t = ParseRequestTarget("/a%2Fb%FF?z=1&&flag&api%2Dversion=2018-02-01&q=a+b%26c");
  EXPECT_EQ(t.path, "/a/b\xFF");
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(t.query, (Pairs{{"z", "1"}, {"flag", ""}, {"api-version", "2018-02-01"}, {"q", "a b&c"}}));
  EXPECT_TRUE(ParseRequestTarget("/only").query.empty());
}

// The blocking pool never runs more tasks at once than its bound, and runs every task submitted, also those still
// queued when it is destroyed.
TEST(BlockingPoolBound, AtMostMaxThreadsAndEveryTaskRuns) {
  std::atomic<int> running{0}, most{0}, done{0};
  {
    BlockingPool pool(3);
    for (int i = 0; i < 20; ++i) {
      pool.Submit([&] {
        int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --running;
        ++done;
      });
    }
  }
  EXPECT_EQ(done, 20);
  EXPECT_LE(most, 3);
  EXPECT_GE(most, 2);  // it did grow past one thread for a burst
}

}  // namespace
}  // namespace openpal::api::testing
