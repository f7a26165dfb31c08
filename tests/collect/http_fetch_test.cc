// The HTTP layer of `pal collect` in process: Retry-After honoured (seconds and HTTP-date), exponential back-off
// with a ceiling, plain http only on loopback, paging links kept on the service's host, token failures remembered.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <httplib.h>

#include "collect/http_fetch.h"
#include "collect/service_client.h"
#include "collect/tenant_context.h"
#include "collect/token_source.h"

namespace openpal::collect {
namespace {

using std::chrono::milliseconds;

// A loopback server whose handler the test sets.
class LocalServer {
 public:
  explicit LocalServer(std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.set_keep_alive_max_count(1);  // no idle keep-alive connection to wait for at stop()
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LocalServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_;
  std::thread thread_;
};

TEST(RetryAfter, SecondsAndHttpDatesAreRead) {
  auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(ParseRetryAfter("7", now), milliseconds(7000));
  EXPECT_EQ(ParseRetryAfter("0", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), milliseconds(30000));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), milliseconds(0)) << "a past date: now";
  EXPECT_FALSE(ParseRetryAfter("", now));
  EXPECT_FALSE(ParseRetryAfter("soon", now));
}

TEST(SplitHttpUrl, PlainHttpOnlyOnLoopback) {
  auto ok = SplitHttpUrl("https://graph.microsoft.com/v1.0/users?$top=999");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->origin, "https://graph.microsoft.com");
  EXPECT_EQ(ok->path_and_query, "/v1.0/users?$top=999");
  EXPECT_TRUE(SplitHttpUrl("http://127.0.0.1:8080/x").ok());
  EXPECT_TRUE(SplitHttpUrl("http://localhost/x").ok());
  auto refused = SplitHttpUrl("http://graph.microsoft.com/v1.0/users");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("loopback"), std::string::npos);
  EXPECT_FALSE(SplitHttpUrl("ftp://x/y").ok());
  EXPECT_FALSE(SplitHttpUrl("https://user@host/y").ok());
}

TEST(HttpFetcher, ThrottlingWaitsWhatRetryAfterSaysThenSucceeds) {
  std::atomic<int> calls{0};
  LocalServer server([&](const httplib::Request&, httplib::Response& res) {
    int n = ++calls;
    if (n <= 2) {
      res.status = n == 1 ? 429 : 503;
      res.set_header("Retry-After", n == 1 ? "7" : "2");
      return;
    }
    res.set_content("{}", "application/json");
  });
  std::vector<milliseconds> waits;
  HttpFetcher fetcher(RetryPolicy{5, milliseconds(100), milliseconds(60000)}, 5, "",
                      [&](milliseconds d) { waits.push_back(d); });
  auto reply = fetcher.Get(server.url() + "/x", {});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(7000), milliseconds(2000)}));
  EXPECT_EQ(fetcher.stats().throttled, 2u);
  EXPECT_EQ(fetcher.stats().retried, 2u);
}

TEST(HttpFetcher, ServerErrorsBackOffExponentiallyUpToTheCeilingThenGiveUp) {
  LocalServer server([&](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  std::vector<milliseconds> waits;
  HttpFetcher fetcher(RetryPolicy{6, milliseconds(100), milliseconds(500)}, 5, "",
                      [&](milliseconds d) { waits.push_back(d); });
  auto reply = fetcher.Get(server.url() + "/x", {});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(reply.status().message().find("gave up after 6 attempts"), std::string::npos);
  ASSERT_EQ(waits.size(), 5u) << "no wait after the last attempt";
  // 100, 200, 400 (each plus up to 25% jitter), then the 500 ms ceiling.
  EXPECT_GE(waits[0], milliseconds(100));
  EXPECT_LE(waits[0], milliseconds(125));
  EXPECT_GE(waits[1], milliseconds(200));
  EXPECT_LE(waits[1], milliseconds(250));
  EXPECT_GE(waits[2], milliseconds(400));
  EXPECT_EQ(waits[3], milliseconds(500));
  EXPECT_EQ(waits[4], milliseconds(500));
}

TEST(HttpFetcher, ARetryAfterBeyondTheCeilingIsCapped) {
  std::atomic<int> calls{0};
  LocalServer server([&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) {
      res.status = 429;
      res.set_header("Retry-After", "86400");
    }
  });
  std::vector<milliseconds> waits;
  HttpFetcher fetcher(RetryPolicy{3, milliseconds(10), milliseconds(30000)}, 5, "",
                      [&](milliseconds d) { waits.push_back(d); });
  ASSERT_TRUE(fetcher.Get(server.url() + "/x", {}).ok());
  EXPECT_EQ(waits, std::vector<milliseconds>{milliseconds(30000)});
}

TEST(HttpFetcher, AClientErrorIsAnAnswerNotRetried) {
  std::atomic<int> calls{0};
  LocalServer server([&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 403;
  });
  HttpFetcher fetcher(RetryPolicy{5, milliseconds(1), milliseconds(1)}, 5, "", [](milliseconds) {});
  auto reply = fetcher.Get(server.url() + "/x", {});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 403);
  EXPECT_EQ(calls, 1);
}

// A token endpoint that counts requests and always refuses, or grants.
struct Authority {
  std::atomic<int> calls{0};
  bool grant = true;
  LocalServer server{[this](const httplib::Request& req, httplib::Response& res) {
    if (req.path.find("/oauth2/v2.0/token") != std::string::npos) {
      ++calls;
      if (!grant) {
        res.status = 401;
        res.set_content(R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret."})",
                        "application/json");
        return;
      }
      res.set_content(R"({"token_type":"Bearer","expires_in":"3599","access_token":"t-)" + std::to_string(calls.load()) + R"("})",
                      "application/json");
      return;
    }
    if (req.path == "/loop") {
      res.set_content(R"({"value":[1],"nextLink":")" + server.url() + R"(/loop?again"})", "application/json");
      return;
    }
    if (req.path == "/page1") {
      // A next link to another host: a bearer token must never follow it.
      res.set_content(R"({"value":[1],"nextLink":"https://evil.example.com/page2"})", "application/json");
      return;
    }
    res.status = 404;
  }};
};

TEST(TokenSource, ATokenIsReusedAndARefusalIsRememberedWithTheAuthoritysWords) {
  Authority authority;
  HttpFetcher fetcher(RetryPolicy{3, milliseconds(1), milliseconds(1)}, 5, "", [](milliseconds) {});
  TokenSource tokens(ClientCredentials{authority.server.url(), "app", "secret", ""}, fetcher);
  auto first = tokens.Get("t1", kArmScope);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*tokens.Get("t1", kArmScope), *first);
  EXPECT_EQ(authority.calls, 1) << "the string expires_in Entra ID sometimes sends is read";
  tokens.Invalidate("t1", kArmScope);
  EXPECT_NE(*tokens.Get("t1", kArmScope), *first);

  authority.grant = false;
  auto refused = tokens.Get("t2", kArmScope);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("AADSTS7000215"), std::string::npos);
  int calls = authority.calls;
  EXPECT_FALSE(tokens.Get("t2", kArmScope).ok());
  EXPECT_EQ(authority.calls, calls) << "a refused tenant is not asked again for every kind";
}

TEST(ServiceClient, ANextLinkToAnotherHostIsNotFollowed) {
  Authority authority;
  HttpFetcher fetcher(RetryPolicy{2, milliseconds(1), milliseconds(1)}, 5, "", [](milliseconds) {});
  TokenSource tokens(ClientCredentials{authority.server.url(), "app", "secret", ""}, fetcher);
  ServiceClient arm(fetcher, tokens, "t1", authority.server.url(), kArmScope, "nextLink");
  int items = 0;
  Status s = arm.ForEach("/page1", [&](nlohmann::json&) {
    ++items;
    return Status::Ok();
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(items, 1);
  EXPECT_NE(s.message().find("another host"), std::string::npos) << s.ToString();
}

TEST(ServiceClient, ALinkSentTwiceStopsTheListingInsteadOfLooping) {
  Authority authority;
  HttpFetcher fetcher(RetryPolicy{2, milliseconds(1), milliseconds(1)}, 5, "", [](milliseconds) {});
  TokenSource tokens(ClientCredentials{authority.server.url(), "app", "secret", ""}, fetcher);
  // The server answers /loop?again with a link to /loop?again: the second visit is refused.
  ServiceClient arm(fetcher, tokens, "t1", authority.server.url(), kArmScope, "nextLink");
  int items = 0;
  Status s = arm.ForEach("/loop?again", [&](nlohmann::json&) {
    ++items;
    return Status::Ok();
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(items, 1);
  EXPECT_NE(s.message().find("sent before"), std::string::npos) << s.ToString();
}

TEST(ReplyFields, NullAbsentAndMistypedFieldsFallBackInsteadOfThrowing) {
  auto sub = nlohmann::json::parse(R"({"subscriptionId": "s", "tenantId": null, "state": 3, "on": true})");
  EXPECT_EQ(Text(sub, "subscriptionId"), "s");
  EXPECT_EQ(Text(sub, "tenantId", "own"), "own") << "ARM and Graph send null for unset fields";
  EXPECT_EQ(Text(sub, "state", "?"), "?");
  EXPECT_EQ(Text(sub, "missing", "x"), "x");
  EXPECT_EQ(Text(nlohmann::json::array(), "id", "x"), "x");
  EXPECT_TRUE(Flag(sub, "on", false));
  EXPECT_FALSE(Flag(sub, "tenantId", false));
  EXPECT_EQ(Pick(sub, {"subscriptionId", "tenantId"}), nlohmann::json::parse(R"({"subscriptionId": "s"})"));
}

TEST(ClientAssertion, ABadCertificateFileSaysWhatIsMissing) {
  auto none = MakeClientAssertion("not a pem", "app", "https://login/x", 0);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kCorruption);
  EXPECT_NE(none.status().message().find("private key"), std::string::npos);
}

}  // namespace
}  // namespace openpal::collect
