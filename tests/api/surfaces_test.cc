// The composition of pal serve's surfaces, in process: the dispatch order and who answers what.
#include <filesystem>

#include <gtest/gtest.h>
#include <unistd.h>

#include "api/jwt.h"
#include "api/openpal_surfaces.h"
#include "store/store.h"

namespace openpal::api {
namespace {

TEST(Surfaces, TheArmSurfaceIsLastAndClaimsWhatTheOthersDoNot) {
  const std::string db = (std::filesystem::temp_directory_path() /
                          ("pal-surfaces-" + std::to_string(::getpid()) + ".db")).string();
  auto store = OpenSqliteStore(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  TokenVerifier verifier;
  Surfaces surfaces(SurfaceContext{**store, verifier, nullptr, db});
  const auto order = surfaces.InOrder();
  ASSERT_EQ(order.size(), 4u);
  EXPECT_TRUE(order[0]->Claims("/openpal/v1/runs"));
  EXPECT_FALSE(order[0]->Claims("/providers/Microsoft.ManagementPartner/partners"));
  EXPECT_TRUE(order.back()->Claims("/anything/else"));
  // Without a token the ARM surface answers 401 AuthenticationFailed before routing, in process.
  ApiRequest request;
  request.method = "GET";
  request.path = "/providers/Microsoft.ManagementPartner/partners";
  ApiResponse response = order.back()->Handle(request);
  EXPECT_EQ(response.status, 401);
  EXPECT_NE(response.body.find("AuthenticationFailed"), std::string::npos) << response.body;
  store->reset();
  std::filesystem::remove(db);
}

}  // namespace
}  // namespace openpal::api
