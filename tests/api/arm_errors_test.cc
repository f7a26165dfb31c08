// The ARM error mapping (link-api.md "Bodies"): code twice, statuses per the table, internals never leak.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/arm_errors.h"
#include "api/management_partner.h"

namespace openpal::api {
namespace {

TEST(ArmErrors, BodyCarriesCodeAndMessageNestedAndAtTheTop) {
  ArmError e = ToArmError(NotLinked());
  EXPECT_EQ(e.http_status, 404);
  EXPECT_EQ(ArmErrorBody(e),
            R"({"code":"ManagementPartnerNotFound","error":{"code":"ManagementPartnerNotFound","message":"This user or service principal is not linked with a Partner ID"},"message":"This user or service principal is not linked with a Partner ID"})");
}

TEST(ArmErrors, StatusesFollowTheSpecTable) {
  EXPECT_EQ(ToArmError(MissingAuthorization()).http_status, 401);
  EXPECT_TRUE(ToArmError(MissingAuthorization()).www_authenticate);
  EXPECT_EQ(ToArmError(PrincipalNotFound("t", "o")).http_status, 403);
  EXPECT_EQ(ToArmError(MissingApiVersion()).http_status, 400);
  EXPECT_EQ(ToArmError(InvalidApiVersion("x")).http_status, 400);
  EXPECT_EQ(ToArmError(MethodNotAllowed("POST")).http_status, 405);
  EXPECT_EQ(ToArmError(UnknownResourceType("/p")).http_status, 404);
  EXPECT_EQ(ToArmError(UnknownPath("/p")).http_status, 404);
  EXPECT_EQ(ToArmError(BodyTooLarge()).http_status, 413);
  EXPECT_EQ(ToArmError(PartnerIdInvalid(kPartnerIdNotValid)).http_status, 400);
  EXPECT_EQ(ToArmError(AlreadyLinked("1234567")).http_status, 409);
  EXPECT_NE(ToArmError(AlreadyLinked("1234567")).message.find("1234567"), std::string::npos);
}

TEST(ArmErrors, MessagesQuotingInvalidUtf8StillSerialize) {
  std::string body = ArmErrorBody(ToArmError(UnknownPath("/providers/\xa0\xff")));
  EXPECT_TRUE(nlohmann::json::accept(body)) << body;
}

TEST(ArmErrors, UnknownCodesBecome500WithoutInternals) {
  ArmError e = ToArmError(Status::Error(StatusCode::kIoError, "disk I/O error at /secret/path"));
  EXPECT_EQ(e.http_status, 500);
  EXPECT_EQ(e.code, "InternalServerError");
  EXPECT_EQ(e.message.find("/secret"), std::string::npos);
}

TEST(ArmErrors, AStatusMapsByItsRefinementElseByItsCode) {
  const Status engine_not_found = Status::Error(StatusCode::kNotFound, "There is no saved run 9.");
  EXPECT_EQ(ToArmError(engine_not_found).code, "NotFound");
  EXPECT_EQ(ToArmError(engine_not_found).http_status, 404);
  const ArmError run = ToArmError(Refine(engine_not_found, ArmCode::kRunNotFound));
  EXPECT_EQ(run.code, "RunNotFound");
  EXPECT_EQ(run.message, "There is no saved run 9.");
  EXPECT_TRUE(Refine(Status::Ok(), ArmCode::kRunNotFound).ok());
  const ArmError busy = ToArmError(Status::Error(StatusCode::kBusy, "database is locked", "/secret/x.db"));
  EXPECT_EQ(busy.http_status, 503);
  EXPECT_EQ(busy.retry_after, 10);
  EXPECT_EQ(busy.message.find("/secret"), std::string::npos);
  // A store whose server is down (PostgreSQL restarting) is a 503 with Retry-After, not a 500 (issue 15); the
  // message keeps the server's address to the log.
  const ArmError down = ToArmError(Status::Error(StatusCode::kUnavailable, "connection refused", "postgresql://h"));
  EXPECT_EQ(down.http_status, 503);
  EXPECT_EQ(down.code, "ServiceUnavailable");
  EXPECT_GT(down.retry_after, 0);
  EXPECT_EQ(down.message.find("postgresql://"), std::string::npos);
  // A refined Status keeps its code of the closed set: code below the edge can still branch on it.
  EXPECT_EQ(NotLinked().code(), StatusCode::kNotFound);
  EXPECT_EQ(AlreadyLinked("1234567").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ToArmError(ArmStatus(ArmCode::kExpiredAuthenticationToken, "expired")).code, "ExpiredAuthenticationToken");
  EXPECT_TRUE(ToArmError(ArmStatus(ArmCode::kExpiredAuthenticationToken, "expired")).www_authenticate);
}

TEST(ArmErrors, AnErrorIsNeverOk) {
  const Status s = Status::Error(StatusCode::kOk, "misuse");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInternal);
}

TEST(PartnerIdFormat, SixToTenDigits) {
  EXPECT_TRUE(IsPartnerIdFormat("123456"));
  EXPECT_TRUE(IsPartnerIdFormat("1234567890"));
  EXPECT_FALSE(IsPartnerIdFormat("12345"));
  EXPECT_FALSE(IsPartnerIdFormat("12345678901"));
  EXPECT_FALSE(IsPartnerIdFormat("12345a"));
  EXPECT_FALSE(IsPartnerIdFormat("-123456"));
}

}  // namespace
}  // namespace openpal::api
