// Replays of the request sequences recorded from the real service (recordings/README.md says what is compared).
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "serve_fixture.h"

namespace openpal::api::testing {
namespace {

const std::regex kArmTime(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z)");

std::vector<std::filesystem::path> Recordings() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(OPENPAL_API_RECORDINGS))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Replay, RecordedSequencesGetTheSameStatusesAndBodyFields) {
  auto& env = ServeEnv::Get();
  auto files = Recordings();
  ASSERT_GE(files.size(), 7u);
  int user = 30;
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    std::ifstream in(file);
    auto doc = nlohmann::json::parse(in);
    // The caller: a fresh principal of the recording's tenant when it is one of the fixture's, else tenant A.
    std::string tenant = kTenantA;
    for (const auto& s : doc["steps"])
      if (s["body"].is_object() && s["body"].contains("properties") &&
          s["body"]["properties"]["tenantId"] == kTenantB)
        tenant = kTenantB;
    std::string oid = tenant == kTenantA ? UserA(user) : UserB(user);
    ++user;
    std::string token = env.Token(tenant, oid);
    std::optional<int64_t> recorded_base, served_base;
    std::optional<std::string> recorded_created, served_created;
    for (const auto& step : doc["steps"]) {
      std::string what = step["method"].get<std::string>() + " " + step["path"].get<std::string>();
      auto r = env.Call(step["method"], step["path"], token);
      ASSERT_TRUE(r) << what;
      EXPECT_EQ(r->status, step["status"].get<int>()) << what << ": " << r->body;
      const auto& want = step["body"];
      if (want.is_string()) {
        EXPECT_EQ(r->body, want.get<std::string>()) << what;
        continue;
      }
      auto got = Json(r);
      ASSERT_TRUE(got.is_object()) << what << ": " << r->body;
      if (want.contains("error")) {
        EXPECT_EQ(got["code"], want["code"]) << what;
        EXPECT_EQ(got["error"]["code"], want["error"]["code"]) << what;
        EXPECT_EQ(got["message"].get<std::string>().rfind(want["message"].get<std::string>(), 0), 0u)
            << what << ": " << got["message"];
        continue;
      }
      for (const char* k : {"id", "name", "type"}) EXPECT_EQ(got[k], want[k]) << what << " " << k;
      const auto& wp = want["properties"];
      const auto& gp = got["properties"];
      for (const char* k : {"partnerId", "partnerName", "state"}) {
        if (wp.contains(k)) {
          EXPECT_EQ(gp[k], wp[k]) << what << " " << k;
        }
      }
      EXPECT_EQ(gp["tenantId"], tenant);
      EXPECT_EQ(gp["objectId"], oid);
      EXPECT_EQ(got["etag"], gp["version"]);
      if (!recorded_base) {
        recorded_base = want["etag"].get<int64_t>();
        served_base = got["etag"].get<int64_t>();
        recorded_created = wp["createdTime"];
        served_created = gp["createdTime"];
      }
      EXPECT_EQ(got["etag"].get<int64_t>() - *served_base, want["etag"].get<int64_t>() - *recorded_base) << what;
      for (const char* k : {"createdTime", "updatedTime"})
        EXPECT_TRUE(std::regex_match(gp[k].get<std::string>(), kArmTime)) << what << " " << k;
      if (wp["createdTime"] == *recorded_created) {
        EXPECT_EQ(gp["createdTime"], *served_created) << what;
      }
    }
  }
}

}  // namespace
}  // namespace openpal::api::testing
