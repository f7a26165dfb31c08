// ARM error codes -> HTTP statuses and bodies. Messages follow the real service's where recordings show them.
#include "api/arm_errors.h"

#include <map>

#include <nlohmann/json.hpp>

#include "api/jwt.h"

namespace openpal::api {
namespace {

const std::map<std::string, int, std::less<>>& StatusByCode() {
  static const std::map<std::string, int, std::less<>> table = {
      {"AuthenticationFailed", 401},
      {kInvalidToken, 401},
      {kExpiredToken, 401},
      {"PrincipalNotFound", 403},
      {"MissingApiVersionParameter", 400},
      {"InvalidApiVersionParameter", 400},
      {"InvalidRequestContent", 400},
      {"PartnerIdInvalid", 400},
      {"MethodNotAllowed", 405},
      {"InvalidResourceType", 404},
      {"NotFound", 404},
      {"ManagementPartnerNotFound", 404},
      {"PartnerIdAlreadyLinked", 409},
      {"RequestEntityTooLarge", 413},
      {"InternalServerError", 500},
      // The /openpal/v1 surfaces (docs/openpal-api.md).
      {"AuthorizationFailed", 403},
      {"PartnerNotFound", 404},
      {"InvalidQueryParameter", 400},
      {"RunNotFound", 404},
      {"PortalNotBuilt", 503},
      {"ServiceUnavailable", 503},
  };
  return table;
}

}  // namespace

ArmError ToArmError(const Status& status) {
  if (status.code() == "StoreBusy")  // its message names the file and SQLite's words: logged, not sent
    return ArmError{503, "ServiceUnavailable",
                    "The store is busy: another process (an import?) holds its write lock. Retry shortly.", false, 10};
  if (status.code() == "ServiceUnavailable")
    return ArmError{503, "ServiceUnavailable", "The server is busy: " + status.message(), false, 1};
  auto it = StatusByCode().find(status.code());
  if (it == StatusByCode().end())
    return ArmError{500, "InternalServerError", "The server encountered an internal error; see its log.", false};
  return ArmError{it->second, status.code(), status.message(), it->second == 401};
}

std::string ArmErrorBody(const ArmError& error) {
  nlohmann::json body = {{"error", {{"code", error.code}, {"message", error.message}}},
                         {"code", error.code},
                         {"message", error.message}};
  // Messages may quote what the client sent (a path decoded from %XX escapes need not be UTF-8): replace invalid
  // bytes instead of letting the serializer throw.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string BearerChallenge(const ArmError& error) {
  // Quotes and backslashes cannot appear inside a quoted-string unescaped; our messages have none, but be safe.
  std::string description;
  for (char c : error.message) description += (c == '"' || c == '\\') ? '\'' : c;
  std::string challenge = "Bearer authorization_uri=\"https://login.microsoftonline.com/common\", "
                          "error=\"invalid_token\", error_description=\"" + description + "\"";
  return challenge;
}

Status MissingAuthorization() {
  return Status::Error("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
}
Status MalformedAuthorization() {
  return Status::Error("AuthenticationFailed",
                       "Authentication failed. The 'Authorization' header is provided in an invalid format.");
}
Status PrincipalNotFound(std::string_view tenant_id, std::string_view object_id) {
  return Status::Error("PrincipalNotFound",
                       "The user or service principal " + std::string(object_id) + " does not have an account in tenant " +
                           std::string(tenant_id) +
                           ". If you are a CSP partner signed in to the customer tenant, you will not be able to link "
                           "the Partner ID.");
}
Status MissingApiVersion() {
  return Status::Error("MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.");
}
Status InvalidApiVersion(std::string_view given) {
  return Status::Error("InvalidApiVersionParameter",
                       "The api-version '" + std::string(given) +
                           "' is invalid. The supported versions are '2018-02-01'.");
}
Status MethodNotAllowed(std::string_view method) {
  return Status::Error("MethodNotAllowed",
                       "The requested resource does not support http method '" + std::string(method) + "'.");
}
Status UnknownResourceType(std::string_view path) {
  return Status::Error("InvalidResourceType", "The resource type could not be found in the namespace "
                                              "'Microsoft.ManagementPartner' for api version '2018-02-01'. Path: '" +
                                                  std::string(path) + "'.");
}
Status UnknownPath(std::string_view path) {
  return Status::Error("NotFound", "The requested path '" + std::string(path) + "' was not found.");
}
Status BodyTooLarge() {
  return Status::Error("RequestEntityTooLarge", "The request content is larger than the limit of 1048576 bytes.");
}
Status InvalidRequestContent(std::string_view why) {
  return Status::Error("InvalidRequestContent", "The request content was invalid and could not be deserialized: " +
                                                    std::string(why));
}
Status PartnerIdInvalid(std::string message) { return Status::Error("PartnerIdInvalid", std::move(message)); }
Status NotLinked() {
  return Status::Error("ManagementPartnerNotFound", "This user or service principal is not linked with a Partner ID");
}
Status ServiceUnavailable(std::string_view why) { return Status::Error("ServiceUnavailable", std::string(why)); }
Status AlreadyLinked(std::string_view current_partner_id) {
  return Status::Error("PartnerIdAlreadyLinked",
                       "This user or service principal is already linked with Partner ID " +
                           std::string(current_partner_id) +
                           ". Use update (PATCH) to link it to another Partner ID, or delete the link first.");
}

}  // namespace openpal::api
