// The table of bad tokens (link-api.md "Who is calling"), each answered 401 with the spec's code over HTTPS.
#include <gtest/gtest.h>

#include "serve_fixture.h"

namespace openpal::api::testing {
namespace {

TEST(BadTokens, EachIsAnswered401WithTheSpecCodeAndAChallenge) {
  auto& env = ServeEnv::Get();
  const std::string oid = UserA(12);
  auto token = [&](std::function<void(nlohmann::json&)> change) { return env.Token(kTenantA, oid, change); };
  std::string good = env.TokenA(12);
  std::string tampered;
  {
    size_t d1 = good.find('.'), d2 = good.rfind('.');
    auto payload = nlohmann::json::parse(*Base64UrlDecode(good.substr(d1 + 1, d2 - d1 - 1)));
    payload["oid"] = UserA(13);
    tampered = good.substr(0, d1 + 1) + Base64UrlEncode(payload.dump()) + good.substr(d2);
  }
  int64_t now = Timestamp::Now().micros / 1000000;
  struct Case {
    std::string name;
    std::optional<std::string> authorization;  // the whole header; nullopt = none
    std::string code;
  };
  std::vector<Case> cases = {
      {"no header", std::nullopt, "AuthenticationFailed"},
      {"not bearer", "Basic dXNlcjpwYXNz", "AuthenticationFailed"},
      {"bearer without token", "Bearer", "AuthenticationFailed"},
      {"malformed token", "Bearer garbage", "InvalidAuthenticationToken"},
      {"alg none", "Bearer " + Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(R"({"oid":"x"})") + ".",
       "InvalidAuthenticationToken"},
      {"HS256", "Bearer " + token([](auto& c) { c["__header"] = {{"alg", "HS256"}, {"kid", "test-k1"}}; }),
       "InvalidAuthenticationToken"},
      {"expired", "Bearer " + token([&](auto& c) { c["exp"] = now - 3600; }), "ExpiredAuthenticationToken"},
      {"not yet valid", "Bearer " + token([&](auto& c) { c["nbf"] = now + 3600; }), "InvalidAuthenticationToken"},
      {"wrong audience", "Bearer " + token([](auto& c) { c["aud"] = "api://something-else"; }),
       "InvalidAuthenticationToken"},
      {"wrong issuer", "Bearer " + token([](auto& c) { c["iss"] = "https://evil.example/"; }),
       "InvalidAuthenticationToken"},
      {"unknown kid", "Bearer " + token([](auto& c) { c["__header"] = {{"alg", "RS256"}, {"kid", "other"}}; }),
       "InvalidAuthenticationToken"},
      {"no kid", "Bearer " + token([](auto& c) { c["__header"] = {{"alg", "RS256"}}; }), "InvalidAuthenticationToken"},
      {"no exp", "Bearer " + token([](auto& c) { c.erase("exp"); }), "InvalidAuthenticationToken"},
      {"tampered payload", "Bearer " + tampered, "InvalidAuthenticationToken"},
      {"missing oid", "Bearer " + token([](auto& c) { c.erase("oid"); }), "InvalidAuthenticationToken"},
  };
  for (const auto& c : cases) {
    httplib::Headers headers;
    if (c.authorization) headers.emplace("Authorization", *c.authorization);
    auto r = env.Call("PUT", PartnerPath("1234567"), "", {}, headers);
    ASSERT_TRUE(r) << c.name;
    EXPECT_EQ(r->status, 401) << c.name << ": " << r->body;
    auto j = Json(r);
    EXPECT_EQ(j["code"], c.code) << c.name;
    EXPECT_EQ(j["error"]["code"], c.code) << c.name;
    EXPECT_EQ(r->get_header_value("WWW-Authenticate").rfind("Bearer ", 0), 0u) << c.name;
  }
  // The token is checked before the route: an unknown path with a bad token is still 401.
  EXPECT_EQ(env.Call("GET", "/nowhere", "garbage")->status, 401);
  // None of those requests changed anything.
  EXPECT_EQ(env.Call("GET", PartnerPath("1234567"), good)->status, 404);
}

}  // namespace
}  // namespace openpal::api::testing
