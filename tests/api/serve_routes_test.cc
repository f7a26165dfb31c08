// link-api.md "Routes" and "Behaviour", row by row, against the running `pal serve`.
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "serve_fixture.h"
#include "store/open_store.h"
#include "store/store.h"

namespace openpal::api::testing {
namespace {

const std::regex kArmTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z)");
const std::regex kGuid(R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

void ExpectError(const httplib::Result& r, int status, const std::string& code) {
  ASSERT_TRUE(r) << "no response";
  EXPECT_EQ(r->status, status) << r->body;
  auto j = Json(r);
  ASSERT_TRUE(j.is_object()) << r->body;
  EXPECT_EQ(j["code"], code) << r->body;
  EXPECT_EQ(j["error"]["code"], code);
  EXPECT_EQ(j["message"], j["error"]["message"]);
}

TEST(LinkLifecycle, CreateIdempotentConflictPatchDeleteRecreate) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(1);
  auto created = env.Call("PUT", PartnerPath("1234567"), t);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  auto link = Json(created);
  EXPECT_EQ(link["id"], "/providers/microsoft.managementpartner/partners/1234567");
  EXPECT_EQ(link["name"], "1234567");
  EXPECT_EQ(link["type"], "Microsoft.ManagementPartner/partners");
  EXPECT_EQ(link["etag"], 1);
  EXPECT_EQ(link["properties"]["version"], 1);
  EXPECT_EQ(link["properties"]["partnerId"], "1234567");
  EXPECT_EQ(link["properties"]["partnerName"], kPartnerName);
  EXPECT_EQ(link["properties"]["tenantId"], kTenantA);
  EXPECT_EQ(link["properties"]["objectId"], UserA(1));
  EXPECT_EQ(link["properties"]["state"], "Active");
  std::string created_time = link["properties"]["createdTime"];
  EXPECT_TRUE(std::regex_match(created_time, kArmTime)) << created_time;
  EXPECT_TRUE(std::regex_match(link["properties"]["updatedTime"].get<std::string>(), kArmTime));

  // PUT to the same ID: 200, unchanged.
  auto again = env.Call("PUT", PartnerPath("1234567"), t);
  ASSERT_EQ(again->status, 200);
  EXPECT_EQ(Json(again), link);
  // PUT to another ID: 409 naming the current one.
  auto conflict = env.Call("PUT", PartnerPath("1234568"), t);
  ExpectError(conflict, 409, "PartnerIdAlreadyLinked");
  EXPECT_NE(conflict->body.find("1234567"), std::string::npos);
  // GET by the linked ID, by another ID, and without ID (with and without the trailing slash).
  EXPECT_EQ(Json(env.Call("GET", PartnerPath("1234567"), t)), link);
  ExpectError(env.Call("GET", PartnerPath("1234568"), t), 404, "ManagementPartnerNotFound");
  EXPECT_EQ(Json(env.Call("GET", "/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01", t)), link);
  EXPECT_EQ(Json(env.Call("GET", "/providers/Microsoft.ManagementPartner/partners/?api-version=2018-02-01", t)), link);

  // PATCH moves the link: createdTime stays, version and updatedTime move.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto moved = env.Call("PATCH", PartnerPath("1234568"), t);
  ASSERT_EQ(moved->status, 200) << moved->body;
  auto m = Json(moved);
  EXPECT_EQ(m["properties"]["partnerId"], "1234568");
  EXPECT_EQ(m["name"], "1234568");
  EXPECT_EQ(m["etag"], 2);
  EXPECT_EQ(m["properties"]["version"], 2);
  EXPECT_EQ(m["properties"]["createdTime"], created_time);
  EXPECT_GT(m["properties"]["updatedTime"].get<std::string>(), link["properties"]["updatedTime"].get<std::string>());
  // PATCH to the ID already linked changes nothing.
  EXPECT_EQ(Json(env.Call("PATCH", PartnerPath("1234568"), t)), m);

  // DELETE of another ID: 200, nothing ended. DELETE of the linked ID: 200, empty body, link gone.
  auto other = env.Call("DELETE", PartnerPath("1234567"), t);
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(Json(env.Call("GET", PartnerPath("1234568"), t))["etag"], 2);
  auto deleted = env.Call("DELETE", PartnerPath("1234568"), t);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_EQ(deleted->body, "");
  ExpectError(env.Call("GET", "/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01", t), 404,
              "ManagementPartnerNotFound");
  ExpectError(env.Call("PATCH", PartnerPath("1234567"), t), 404, "ManagementPartnerNotFound");
  EXPECT_EQ(env.Call("DELETE", PartnerPath("1234568"), t)->status, 200);  // again: still 200

  // Re-create: a new link (new createdTime), the counter goes on (3 was the delete).
  auto recreated = Json(env.Call("PUT", PartnerPath("1234567"), t));
  EXPECT_EQ(recreated["etag"], 4);
  EXPECT_NE(recreated["properties"]["createdTime"], created_time);

  // Every change is in the store's history, in order, with its request id.
  auto store = OpenStore(env.db_path());
  ASSERT_TRUE(store.ok());
  auto history = (*store)->LinkHistory(kTenantA, UserA(1));
  ASSERT_TRUE(history.ok());
  std::vector<std::string> actions;
  for (const auto& e : *history) actions.push_back(e.action + ":" + e.partner_id + ":" + std::to_string(e.version));
  EXPECT_EQ(actions, (std::vector<std::string>{"create:1234567:1", "update:1234568:2", "delete:1234568:3",
                                               "create:1234567:4"}));
  for (const auto& e : *history) EXPECT_TRUE(std::regex_match(e.request_id, kGuid)) << e.request_id;
}

TEST(Headers, EveryResponseHasJsonTypeRequestIdAndCorrelationId) {
  auto& env = ServeEnv::Get();
  auto r = env.Call("GET", PartnerPath("1234567"), env.TokenA(2), {}, {{"x-ms-correlation-request-id", "my-trace-1"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_TRUE(std::regex_match(r->get_header_value("x-ms-request-id"), kGuid));
  EXPECT_EQ(r->get_header_value("x-ms-correlation-request-id"), "my-trace-1");
  auto r2 = env.Call("DELETE", PartnerPath("1234567"), "", {}, {{"x-ms-correlation-request-id", std::string(129, 'x')}});
  EXPECT_TRUE(std::regex_match(r2->get_header_value("x-ms-correlation-request-id"), kGuid));
  EXPECT_EQ(r2->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_NE(r->get_header_value("x-ms-request-id"), r2->get_header_value("x-ms-request-id"));
  auto d = env.Call("DELETE", PartnerPath("1234567"), env.TokenA(2));
  EXPECT_EQ(d->get_header_value("Content-Type"), "application/json; charset=utf-8");
}

TEST(Routing, PathsAreCaseInsensitiveAndUnknownOnesGetArmBodies) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(3);
  auto r = env.Call("PUT", "/PROVIDERS/microsoft.managementpartner/PARTNERS/1234567?api-version=2018-02-01", t);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(env.Call("GET", "/providers/microsoft.managementpartner/partners/1234567?api-version=2018-02-01", t)->status,
            200);
  ExpectError(env.Call("GET", "/providers/Microsoft.ManagementPartner/widgets?api-version=2018-02-01", t), 404,
              "InvalidResourceType");
  ExpectError(env.Call("GET", "/providers/Microsoft.ManagementPartner/partners/1/2?api-version=2018-02-01", t), 404,
              "InvalidResourceType");
  ExpectError(env.Call("GET", "/subscriptions/x?api-version=2018-02-01", t), 404, "NotFound");
  auto post = env.Call("POST", PartnerPath("1234567"), t);
  ExpectError(post, 405, "MethodNotAllowed");
  EXPECT_EQ(post->get_header_value("Allow"), "GET, PUT, PATCH, DELETE");
  ExpectError(env.Call("PUT", "/providers/Microsoft.ManagementPartner/operations?api-version=2018-02-01", t), 405,
              "MethodNotAllowed");
  ExpectError(env.Call("DELETE", "/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01", t), 405,
              "MethodNotAllowed");
}

TEST(ApiVersion, RequiredAndOnlyTheSupportedOne) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(4);
  ExpectError(env.Call("GET", "/providers/Microsoft.ManagementPartner/partners/1234567", t), 400,
              "MissingApiVersionParameter");
  auto bad = env.Call("GET", "/providers/Microsoft.ManagementPartner/operations?api-version=2020-01-01", t);
  ExpectError(bad, 400, "InvalidApiVersionParameter");
  EXPECT_NE(bad->body.find("2018-02-01"), std::string::npos);
}

TEST(Operations, ListsFourOperationsForAnyValidTokenEvenWithoutAPrincipal) {
  auto& env = ServeEnv::Get();
  std::string stranger = env.Token(kTenantA, "99999999-9999-4999-8999-999999999999");
  auto r = env.Call("GET", "/providers/Microsoft.ManagementPartner/operations?api-version=2018-02-01", stranger);
  ASSERT_EQ(r->status, 200);
  auto j = Json(r);
  ASSERT_EQ(j["value"].size(), 4u);
  EXPECT_EQ(j["value"][0]["name"], "Microsoft.ManagementPartner/partners/read");
  EXPECT_EQ(j["value"][3]["display"]["operation"], "Delete ManagementPartner");
  ExpectError(env.Call("GET", "/providers/Microsoft.ManagementPartner/operations?api-version=2018-02-01", ""), 401,
              "AuthenticationFailed");
}

TEST(Bodies, ValidJsonIgnoredInvalidRefusedOversizeRefusedFirst) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(5);
  auto ok = env.Call("PUT", PartnerPath("1234567"), t, R"({"properties":{"partnerId":"9999999"}})");
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Json(ok)["properties"]["partnerId"], "1234567");
  ExpectError(env.Call("PATCH", PartnerPath("1234568"), t, "{not json"), 400, "InvalidRequestContent");
  // Over 1 MiB: 413 before even looking at the token.
  ExpectError(env.Call("PUT", PartnerPath("1234567"), "", std::string(1024 * 1024 + 1, ' ')), 413,
              "RequestEntityTooLarge");
}

TEST(PartnerIdValidation, FormatUnknownGlobalDeleted) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(6);
  for (const char* bad : {"12345", "12345678901", "12345a", "abcdef"}) {
    auto r = env.Call("PUT", PartnerPath(bad), t);
    ExpectError(r, 400, "PartnerIdInvalid");
    EXPECT_EQ(Json(r)["message"], "The Partner ID is not valid") << bad;
  }
  auto unknown = env.Call("PUT", PartnerPath("1111111"), t);
  ExpectError(unknown, 400, "PartnerIdInvalid");
  EXPECT_NE(unknown->body.find("not in the partner directory"), std::string::npos);
  auto global = env.Call("PUT", PartnerPath("7654321"), t);
  ExpectError(global, 400, "PartnerIdInvalid");
  EXPECT_NE(global->body.find("1234567"), std::string::npos) << global->body;
  EXPECT_NE(global->body.find("1234568"), std::string::npos) << global->body;
  auto deleted = env.Call("PATCH", PartnerPath("2222222"), t);
  ExpectError(deleted, 400, "PartnerIdInvalid");
  EXPECT_NE(deleted->body.find("deleted"), std::string::npos);
  // The partner checks come before the link state: PATCH unlinked with a bad ID is 400, not 404.
  ExpectError(env.Call("PATCH", PartnerPath("12"), t), 400, "PartnerIdInvalid");
}

TEST(Principal, MustExistBeEnabledAndNotAGroupInThatTenant) {
  auto& env = ServeEnv::Get();
  const std::string unknown = "99999999-9999-4999-8999-999999999999";
  for (const auto& [tid, oid] : std::vector<std::pair<std::string, std::string>>{
           {kTenantA, unknown}, {kTenantA, kDisabledUser}, {kTenantA, kGroup},
           {"00000000-0000-4000-8000-000000000abc", UserA(7)}}) {
    auto r = env.Call("PUT", PartnerPath("1234567"), env.Token(tid, oid));
    ExpectError(r, 403, "PrincipalNotFound");
    EXPECT_NE(r->body.find(oid), std::string::npos);
    EXPECT_NE(r->body.find("CSP partner"), std::string::npos);
  }
}

// Isolation: principal A's link is invisible and untouchable for anyone else, whatever they put in the request.
TEST(Isolation, NoPrincipalCanReadChangeOrDeleteAnothersLink) {
  auto& env = ServeEnv::Get();
  std::string a = env.TokenA(8);
  ASSERT_EQ(env.Call("PUT", PartnerPath("1234567"), a)->status, 200);
  std::vector<std::string> others = {env.TokenA(9), env.Token(kTenantB, UserB(8))};  // same tenant; same oid elsewhere
  httplib::Headers spoof = {{"x-ms-client-object-id", UserA(8)}, {"x-ms-client-tenant-id", kTenantA},
                            {"x-ms-client-principal-id", UserA(8)}};
  std::string spoof_body = nlohmann::json{{"properties", {{"objectId", UserA(8)}, {"tenantId", kTenantA}}}}.dump();
  for (const auto& o : others) {
    ExpectError(env.Call("GET", PartnerPath("1234567"), o, {}, spoof), 404, "ManagementPartnerNotFound");
    ExpectError(env.Call("GET", "/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01&objectId=" +
                                    UserA(8), o, {}, spoof),
                404, "ManagementPartnerNotFound");
    ExpectError(env.Call("PATCH", PartnerPath("1234568"), o, spoof_body, spoof), 404, "ManagementPartnerNotFound");
    EXPECT_EQ(env.Call("DELETE", PartnerPath("1234567"), o, spoof_body, spoof)->status, 200);
    auto own = env.Call("PUT", PartnerPath("1234568"), o, spoof_body, spoof);
    ASSERT_EQ(own->status, 200);
    EXPECT_NE(Json(own)["properties"]["objectId"].get<std::string>() + Json(own)["properties"]["tenantId"].get<std::string>(),
              UserA(8) + kTenantA);
  }
  auto mine = Json(env.Call("GET", PartnerPath("1234567"), a));
  EXPECT_EQ(mine["properties"]["partnerId"], "1234567");
  EXPECT_EQ(mine["etag"], 1);
}

// Concurrency: many requests of one principal at once leave a history that some serial order produces.
TEST(Concurrency, OnePrincipalsRacingRequestsLeaveASerialHistory) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(10);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < 8; ++w) {
    threads.emplace_back([&, w] {
      const char* ids[] = {"1234567", "1234568"};
      for (int i = 0; i < 15; ++i) {
        const char* method = (i + w) % 3 == 0 ? "PUT" : (i + w) % 3 == 1 ? "PATCH" : "DELETE";
        auto r = env.Call(method, PartnerPath(ids[(i * 7 + w) % 2]), t);
        if (!r || (r->status != 200 && r->status != 404 && r->status != 409)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  auto store = OpenStore(env.db_path());
  auto history = (*store)->LinkHistory(kTenantA, UserA(10));
  ASSERT_TRUE(history.ok());
  std::optional<std::string> linked;
  int64_t version = 0;
  for (const auto& e : *history) {
    EXPECT_EQ(e.version, ++version);
    if (e.action == "create") {
      EXPECT_FALSE(linked);
      linked = e.partner_id;
    } else if (e.action == "update") {
      ASSERT_TRUE(linked);
      EXPECT_NE(*linked, e.partner_id);
      linked = e.partner_id;
    } else {
      EXPECT_EQ(e.action, "delete");
      ASSERT_TRUE(linked);
      linked.reset();
    }
  }
  auto now = env.Call("GET", "/providers/Microsoft.ManagementPartner/partners?api-version=2018-02-01", t);
  if (linked) {
    EXPECT_EQ(Json(now)["properties"]["partnerId"], *linked);
    EXPECT_EQ(Json(now)["etag"], version);
  } else {
    EXPECT_EQ(now->status, 404);
  }
}

TEST(Shutdown, SigtermFinishesInFlightRequestsAndExitsZero) {
  auto& env = ServeEnv::Get();
  PalServer second = env.StartServer();
  ASSERT_GT(second.port, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, good{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      auto cli = env.Client(second.port);
      std::string t = env.TokenA(20 + c);
      while (!stop) {
        auto r = cli->Get(PartnerPath("1234567"), {{"Authorization", "Bearer " + t}});
        if (!r) break;  // the server closed the connection: fine once stopping
        if (r->status == 404 && r->body.find("ManagementPartnerNotFound") != std::string::npos) ++good;
        else ++bad;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(second.Stop(15), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(12));
  stop = true;
  for (auto& th : clients) th.join();
  EXPECT_GT(good, 0);
  EXPECT_EQ(bad, 0);
}

TEST(RequestLog, OneLinePerRequestWithoutTokens) {
  auto& env = ServeEnv::Get();
  std::string t = env.TokenA(11);
  auto r = env.Call("GET", PartnerPath("1234567"), t);
  std::string id = r->get_header_value("x-ms-request-id");
  std::string log;
  for (int i = 0; i < 50 && log.find(id) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream in(env.log_path());
    log.assign(std::istreambuf_iterator<char>(in), {});
  }
  size_t at = log.find(id);
  ASSERT_NE(at, std::string::npos);
  std::string line = log.substr(log.rfind('\n', at) + 1, log.find('\n', at) - log.rfind('\n', at) - 1);
  EXPECT_NE(line.find("\"GET\" \"/providers/Microsoft.ManagementPartner/partners/1234567\" 404 "), std::string::npos)
      << line;
  EXPECT_NE(line.find("ms request_id="), std::string::npos) << line;
  EXPECT_EQ(log.find(t.substr(0, 40)), std::string::npos);
  EXPECT_EQ(log.find("Bearer"), std::string::npos);
}

}  // namespace
}  // namespace openpal::api::testing
