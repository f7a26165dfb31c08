// Several `pal serve` replicas on one PostgreSQL database, and the database's faults (issue 15): read-your-writes
// across replicas, per-principal versions under concurrent writes through different replicas, the database restarted
// under load (503 + Retry-After, then recovery without restarting a replica), a replica SIGKILLed in a write storm
// (no acknowledged write lost), a locked database (a timely 503). Runs through `pg_server.sh run DIR`: a server of
// its own, which these tests stop, start and lock.
#include <csignal>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "pg_test_db.h"
#include "serve_fixture.h"
#include "store/open_store.h"

namespace openpal::api::testing {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kMyLink = "/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01";

httplib::Result CallOn(int port, const std::string& method, const std::string& path, const std::string& token) {
  auto cli = ServeEnv::Get().Client(port);
  cli->set_read_timeout(30);
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers.emplace("Authorization", "Bearer " + token);
  return cli->send(req);
}

// Runs tests/pg/pg_server.sh `what` on this run's server (its folder is $OPENPAL_TEST_PG_DIR).
int PgServer(const std::string& what) {
  const char* dir = std::getenv("OPENPAL_TEST_PG_DIR");
  if (!dir) return -1;
  return openpal::testing::Run(OPENPAL_PG_SERVER_SCRIPT, {what, dir}, {.timeout_seconds = 120}).exit_code;
}

// Three replicas on one database (the suite's server and two more).
struct Replicas {
  std::vector<PalServer> extra;
  std::vector<int> ports;
  Replicas() {
    auto& env = ServeEnv::Get();
    ports.push_back(env.port());
    for (int i = 0; i < 2; ++i) {
      extra.push_back(env.StartServer());
      ports.push_back(extra.back().port);
    }
  }
  ~Replicas() {
    for (auto& s : extra) s.Stop();
  }
};

// A change through one replica is what the next one answers at once, every time, in a cycle over three replicas.
TEST(PgReplicas, ReadYourWritesAcrossThreeReplicas) {
  Replicas r;
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(20);
  ASSERT_EQ(CallOn(r.ports[0], "PUT", PartnerPath("1234567"), t)->status, 200);
  for (int i = 0; i < 30; ++i) {
    const std::string to = i % 2 ? "1234567" : "1234568";
    int writer = r.ports[i % 3], reader = r.ports[(i + 1) % 3];
    auto moved = CallOn(writer, "PATCH", PartnerPath(to), t);
    ASSERT_TRUE(moved);
    ASSERT_EQ(moved->status, 200) << moved->body;
    auto read = Json(CallOn(reader, "GET", kMyLink, t));
    ASSERT_EQ(read["properties"]["partnerId"], to) << "step " << i;
    ASSERT_EQ(read["etag"], i + 2) << "step " << i;
  }
  EXPECT_EQ(CallOn(r.ports[2], "DELETE", PartnerPath("1234567"), t)->status, 200);  // linked last at step 29
  EXPECT_EQ(CallOn(r.ports[0], "GET", kMyLink, t)->status, 404);
}

// Six clients toggle one principal's link (PUT, DELETE) through three replicas at once: the history has one version
// per change, 1, 2, 3, ... with no gap and no repeat, alternating create and delete.
TEST(PgReplicas, ConcurrentWritesThroughDifferentReplicasKeepVersionsStrictlyIncreasing) {
  Replicas r;
  auto& env = ServeEnv::Get();
  const std::string t = env.TokenA(21);
  std::atomic<int> unexpected{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 25; ++i) {
        int port = r.ports[(c + i) % 3];
        auto res = CallOn(port, (c + i) % 2 ? "DELETE" : "PUT", PartnerPath("1234567"), t);
        if (!res || (res->status != 200 && res->status != 204)) ++unexpected;
      }
    });
  }
  for (auto& th : clients) th.join();
  EXPECT_EQ(unexpected.load(), 0);
  auto store = OpenStore(env.db_path());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto history = (*store)->LinkHistory(kTenantA, UserA(21));
  ASSERT_TRUE(history.ok());
  ASSERT_FALSE(history->empty());
  for (size_t i = 0; i < history->size(); ++i) {
    EXPECT_EQ((*history)[i].version, static_cast<int64_t>(i + 1));
    EXPECT_EQ((*history)[i].action, i % 2 == 0 ? "create" : "delete") << "at version " << i + 1;
  }
}

// The database stops under load: every answer meanwhile is 200 (before), or 503 with Retry-After (never a 500, never
// a hang); once it is back, both replicas answer again by themselves, and every write acknowledged is there.
TEST(PgReplicas, TheDatabaseRestartedUnderLoadGives503ThenRecovers) {
  Replicas r;
  auto& env = ServeEnv::Get();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, unavailable{0}, without_retry_after{0}, other{0};
  std::mutex mu;
  std::map<int, std::string> acked;  // user -> partner acknowledged last
  std::vector<std::thread> load;
  for (int c = 0; c < 4; ++c) {
    load.emplace_back([&, c] {
      for (int i = 0; !stop; ++i) {
        const int user = 22 + c;
        const std::string partner = i % 2 ? "1234567" : "1234568";
        const std::string t = env.TokenA(user);
        auto start = Clock::now();
        auto res = CallOn(r.ports[(c + i) % 3], i % 3 == 2 ? "GET" : "PATCH", PartnerPath(partner), t);
        if (i == 0) res = CallOn(r.ports[c % 3], "PUT", PartnerPath(partner), t);
        double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (!res) { ++other; continue; }
        if (res->status == 200 || res->status == 404) {
          ++ok;
          if (res->status == 200 && (i % 3 != 2 || i == 0)) {  // an acknowledged PUT or PATCH
            std::lock_guard<std::mutex> lock(mu);
            acked[user] = partner;
          }
        } else if (res->status == 503) {
          ++unavailable;
          if (!res->has_header("Retry-After")) ++without_retry_after;
        } else {
          ++other;
          ADD_FAILURE() << res->status << " " << res->body;
        }
        EXPECT_LT(seconds, 20.0) << "a request hung while the database was down";
        if (res->status == 503) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(PgServer("stop"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const int during = unavailable.load();
  ASSERT_EQ(PgServer("start"), 0);
  // Recovery: within 15 s each replica answers 200 again, without being restarted.
  auto deadline = Clock::now() + std::chrono::seconds(15);
  std::set<int> recovered;
  while (recovered.size() < 3 && Clock::now() < deadline) {
    for (int port : r.ports) {
      auto res = CallOn(port, "GET", kMyLink, env.TokenA(29));
      if (res && (res->status == 200 || res->status == 404)) recovered.insert(port);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop = true;
  for (auto& th : load) th.join();
  EXPECT_EQ(recovered.size(), 3u) << "every replica serves again once the database is back";
  EXPECT_GT(during, 0) << "requests while the database was down were answered 503";
  EXPECT_EQ(without_retry_after.load(), 0) << "every 503 says when to retry";
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(ok.load(), 0);
  // Every acknowledged write is in the database.
  auto store = OpenStore(env.db_path());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (const auto& [user, partner] : acked) {
    auto link = (*store)->CurrentLink(kTenantA, UserA(user));
    ASSERT_TRUE(link.ok()) << link.status().ToString();
    ASSERT_TRUE(link->current.has_value()) << "user " << user;
    EXPECT_EQ(link->current->value.partner_id, partner) << "user " << user;
  }
}

// A replica killed with SIGKILL while clients write through it: every write it acknowledged is read back through
// the other replica.
TEST(PgReplicas, AReplicaKilledInAWriteStormLosesNoAcknowledgedWrite) {
  auto& env = ServeEnv::Get();
  PalServer victim = env.StartServer();
  ASSERT_GT(victim.port, 0);
  std::mutex mu;
  std::set<int> acked;  // users whose PUT was acknowledged
  std::atomic<bool> killed{false};
  std::vector<std::thread> writers;
  for (int c = 0; c < 4; ++c) {
    writers.emplace_back([&, c] {
      for (int user = c; user < 40 && !killed; user += 4) {
        const std::string t = env.Token(kTenantB, UserB(user));
        auto res = CallOn(victim.port, "PUT", PartnerPath("1234567"), t);
        if (res && res->status == 200) {
          std::lock_guard<std::mutex> lock(mu);
          acked.insert(user);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ::kill(victim.pid, SIGKILL);
  killed = true;
  int status = 0;
  ::waitpid(victim.pid, &status, 0);
  victim.pid = -1;
  for (auto& th : writers) th.join();
  ASSERT_FALSE(acked.empty()) << "the storm wrote something before the kill";
  for (int user : acked) {
    auto res = env.Call("GET", kMyLink, env.Token(kTenantB, UserB(user)));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << "user " << user << ": " << res->body;
    EXPECT_EQ(Json(res)["properties"]["partnerId"], "1234567") << "user " << user;
  }
}

// A table locked by someone else (a hand-run LOCK TABLE, a stuck migration): the request gets a 503 within seconds
// (lock_timeout), not a hung connection; once the lock goes, it succeeds.
TEST(PgReplicas, ALockedDatabaseGivesATimely503) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(30);
  PGconn* locker = PQconnectdb(env.db_path().c_str());
  ASSERT_EQ(PQstatus(locker), CONNECTION_OK) << PQerrorMessage(locker);
  PQclear(PQexec(locker, "BEGIN"));
  PGresult* locked = PQexec(locker, "LOCK TABLE partner_links, link_counters IN ACCESS EXCLUSIVE MODE");
  ASSERT_EQ(PQresultStatus(locked), PGRES_COMMAND_OK) << PQerrorMessage(locker);
  PQclear(locked);
  auto start = Clock::now();
  auto res = env.Call("PUT", PartnerPath("1234567"), t);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503) << res->body;
  EXPECT_TRUE(res->has_header("Retry-After"));
  EXPECT_LT(seconds, 12.0) << "the answer waited for the lock too long";
  PQclear(PQexec(locker, "ROLLBACK"));
  PQfinish(locker);
  auto after = env.Call("PUT", PartnerPath("1234567"), t);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200) << after->body;
}

}  // namespace
}  // namespace openpal::api::testing

// The suite's servers use this run's PostgreSQL (pg_server.sh run exports its URI).
int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (openpal::testing::TestPgUri().empty()) {
    std::fprintf(stderr, "pg_replicas_test: no PostgreSQL (run it through tests/pg/pg_server.sh run DIR ...)\n");
    return openpal::testing::InCi() ? 1 : 0;
  }
  ::setenv("OPENPAL_TEST_BACKEND", "postgres", 1);
  return RUN_ALL_TESTS();
}
