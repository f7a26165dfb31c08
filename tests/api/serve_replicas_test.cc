// Several `pal serve` processes on one SQLite file answer as one service (issue 19, docs/store.md "Several
// processes"): a change made through one is read through another at once, also after the first was killed.
#include <csignal>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "serve_fixture.h"

namespace openpal::api::testing {
namespace {

// One request to the server on `port` with `token`.
httplib::Result CallOn(int port, const std::string& method, const std::string& path, const std::string& token) {
  auto cli = ServeEnv::Get().Client(port);
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers.emplace("Authorization", "Bearer " + token);
  return cli->send(req);
}

const std::string kMyLink = "/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01";

// Create through A, read through A (A now remembers the link), move it through B: A's next read shows the move.
TEST(Replicas, AChangeThroughOneServerIsReadThroughTheOtherAtOnce) {
  auto& env = ServeEnv::Get();
  PalServer b = env.StartServer();
  ASSERT_GT(b.port, 0);
  std::string t = env.TokenA(36);
  ASSERT_EQ(env.Call("PUT", PartnerPath("1234567"), t)->status, 200);
  auto before = Json(env.Call("GET", kMyLink, t));
  ASSERT_EQ(before["properties"]["partnerId"], "1234567");

  auto moved = CallOn(b.port, "PATCH", PartnerPath("1234568"), t);
  ASSERT_TRUE(moved);
  ASSERT_EQ(moved->status, 200) << moved->body;

  auto by_id = env.Call("GET", PartnerPath("1234568"), t);
  EXPECT_EQ(by_id->status, 200) << by_id->body;
  auto after = Json(env.Call("GET", kMyLink, t));
  EXPECT_EQ(after["properties"]["partnerId"], "1234568");
  EXPECT_EQ(after["etag"], 2);
  EXPECT_EQ(env.Call("GET", PartnerPath("1234567"), t)->status, 404);

  EXPECT_EQ(CallOn(b.port, "DELETE", PartnerPath("1234568"), t)->status, 200);
  EXPECT_EQ(env.Call("GET", kMyLink, t)->status, 404);
  EXPECT_EQ(b.Stop(), 0);
}

// A write acknowledged by a server that is then killed (SIGKILL: no shutdown, no flush) is what the other server
// answers, although the other had read (and remembered) the state before it.
TEST(Replicas, AWriteAcknowledgedBeforeSigkillIsVisibleThroughTheOther) {
  auto& env = ServeEnv::Get();
  PalServer a = env.StartServer();
  ASSERT_GT(a.port, 0);
  std::string t = env.TokenA(37);
  ASSERT_EQ(CallOn(a.port, "PUT", PartnerPath("1234567"), t)->status, 200);
  ASSERT_EQ(Json(env.Call("GET", kMyLink, t))["properties"]["partnerId"], "1234567");  // remembered by the suite's

  auto moved = CallOn(a.port, "PATCH", PartnerPath("1234568"), t);
  ASSERT_TRUE(moved);
  ASSERT_EQ(moved->status, 200) << moved->body;
  ::kill(a.pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(a.pid, &status, 0), a.pid);
  a.pid = -1;

  auto after = Json(env.Call("GET", kMyLink, t));
  EXPECT_EQ(after["properties"]["partnerId"], "1234568");
  EXPECT_EQ(after["etag"], 2);
  EXPECT_EQ(env.Call("DELETE", PartnerPath("1234568"), t)->status, 200);
}

}  // namespace
}  // namespace openpal::api::testing
