// ARM error codes -> HTTP statuses and bodies. Messages follow the real service's where recordings show them.
#include "api/arm_errors.h"

#include <map>

#include <nlohmann/json.hpp>


namespace openpal::api {
namespace {

// Each ARM code once: the StatusCode it refines, its HTTP status and its wire string.
struct ArmCodeRow {
  ArmCode code;
  StatusCode status_code;
  int http_status;
  const char* wire;
};

constexpr ArmCodeRow kArmCodes[] = {
    {ArmCode::kNone, StatusCode::kInternal, 500, "InternalServerError"},
    {ArmCode::kAuthenticationFailed, StatusCode::kUnauthenticated, 401, "AuthenticationFailed"},
    {ArmCode::kInvalidAuthenticationToken, StatusCode::kUnauthenticated, 401, "InvalidAuthenticationToken"},
    {ArmCode::kExpiredAuthenticationToken, StatusCode::kUnauthenticated, 401, "ExpiredAuthenticationToken"},
    {ArmCode::kPrincipalNotFound, StatusCode::kPermissionDenied, 403, "PrincipalNotFound"},
    {ArmCode::kAuthorizationFailed, StatusCode::kPermissionDenied, 403, "AuthorizationFailed"},
    {ArmCode::kMissingApiVersionParameter, StatusCode::kInvalidArgument, 400, "MissingApiVersionParameter"},
    {ArmCode::kInvalidApiVersionParameter, StatusCode::kInvalidArgument, 400, "InvalidApiVersionParameter"},
    {ArmCode::kInvalidRequestContent, StatusCode::kInvalidArgument, 400, "InvalidRequestContent"},
    {ArmCode::kInvalidQueryParameter, StatusCode::kInvalidArgument, 400, "InvalidQueryParameter"},
    {ArmCode::kPartnerIdInvalid, StatusCode::kInvalidArgument, 400, "PartnerIdInvalid"},
    {ArmCode::kMethodNotAllowed, StatusCode::kNotSupported, 405, "MethodNotAllowed"},
    {ArmCode::kInvalidResourceType, StatusCode::kNotFound, 404, "InvalidResourceType"},
    {ArmCode::kNotFound, StatusCode::kNotFound, 404, "NotFound"},
    {ArmCode::kManagementPartnerNotFound, StatusCode::kNotFound, 404, "ManagementPartnerNotFound"},
    {ArmCode::kPartnerNotFound, StatusCode::kNotFound, 404, "PartnerNotFound"},
    {ArmCode::kRunNotFound, StatusCode::kNotFound, 404, "RunNotFound"},
    {ArmCode::kPartnerIdAlreadyLinked, StatusCode::kAlreadyExists, 409, "PartnerIdAlreadyLinked"},
    {ArmCode::kRequestEntityTooLarge, StatusCode::kResourceExhausted, 413, "RequestEntityTooLarge"},
    {ArmCode::kPortalNotBuilt, StatusCode::kUnavailable, 503, "PortalNotBuilt"},
    {ArmCode::kServiceUnavailable, StatusCode::kUnavailable, 503, "ServiceUnavailable"},
};

const ArmCodeRow& RowOf(ArmCode code) {
  for (const ArmCodeRow& row : kArmCodes)
    if (row.code == code) return row;
  return kArmCodes[0];
}

}  // namespace

Status ArmStatus(ArmCode code, std::string message, std::string where) {
  return Status::Error(RowOf(code).status_code, std::move(message), std::move(where))
      .WithDetail(static_cast<uint16_t>(code));
}

Status Refine(const Status& status, ArmCode code) {
  return status.ok() ? status : status.WithDetail(static_cast<uint16_t>(code));
}

ArmError ToArmError(const Status& status) {
  const auto code = static_cast<ArmCode>(status.detail());
  if (code == ArmCode::kServiceUnavailable)
    return ArmError{503, "ServiceUnavailable", "The server is busy: " + status.message(), false, 1};
  if (code != ArmCode::kNone) {
    const ArmCodeRow& row = RowOf(code);
    return ArmError{row.http_status, row.wire, status.message(), row.http_status == 401};
  }
  switch (status.code()) {
    case StatusCode::kBusy:  // its message names the file and SQLite's words: logged, not sent
      return ArmError{503, "ServiceUnavailable",
                      "The store is busy: another process (an import?) holds its write lock. Retry shortly.", false,
                      10};
    case StatusCode::kUnavailable:  // the store's server is down or restarting (PostgreSQL): retry shortly
      return ArmError{503, "ServiceUnavailable", "The store cannot be reached right now. Retry shortly.", false, 2};
    case StatusCode::kNotFound: return ArmError{404, "NotFound", status.message(), false};
    default:
      return ArmError{500, "InternalServerError", "The server encountered an internal error; see its log.", false};
  }
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
  return ArmStatus(ArmCode::kAuthenticationFailed, "Authentication failed. The 'Authorization' header is missing.");
}
Status MalformedAuthorization() {
  return ArmStatus(ArmCode::kAuthenticationFailed,
                       "Authentication failed. The 'Authorization' header is provided in an invalid format.");
}
Status PrincipalNotFound(std::string_view tenant_id, std::string_view object_id) {
  return ArmStatus(ArmCode::kPrincipalNotFound,
                       "The user or service principal " + std::string(object_id) + " does not have an account in tenant " +
                           std::string(tenant_id) +
                           ". If you are a CSP partner signed in to the customer tenant, you will not be able to link "
                           "the Partner ID.");
}
Status MissingApiVersion() {
  return ArmStatus(ArmCode::kMissingApiVersionParameter,
                       "The api-version query parameter (?api-version=) is required for all requests.");
}
Status InvalidApiVersion(std::string_view given) {
  return ArmStatus(ArmCode::kInvalidApiVersionParameter,
                       "The api-version '" + std::string(given) +
                           "' is invalid. The supported versions are '2018-02-01'.");
}
Status MethodNotAllowed(std::string_view method) {
  return ArmStatus(ArmCode::kMethodNotAllowed,
                       "The requested resource does not support http method '" + std::string(method) + "'.");
}
Status UnknownResourceType(std::string_view path) {
  return ArmStatus(ArmCode::kInvalidResourceType, "The resource type could not be found in the namespace "
                                              "'Microsoft.ManagementPartner' for api version '2018-02-01'. Path: '" +
                                                  std::string(path) + "'.");
}
Status UnknownPath(std::string_view path) {
  return ArmStatus(ArmCode::kNotFound, "The requested path '" + std::string(path) + "' was not found.");
}
Status BodyTooLarge() {
  return ArmStatus(ArmCode::kRequestEntityTooLarge, "The request content is larger than the limit of 1048576 bytes.");
}
Status InvalidRequestContent(std::string_view why) {
  return ArmStatus(ArmCode::kInvalidRequestContent, "The request content was invalid and could not be deserialized: " +
                                                    std::string(why));
}
Status PartnerIdInvalid(std::string message) { return ArmStatus(ArmCode::kPartnerIdInvalid, std::move(message)); }
Status PartnerNotInDirectory(std::string_view partner_id) {
  return ArmStatus(ArmCode::kPartnerNotFound, "Partner ID " + std::string(partner_id) + " is not in the partner directory.");
}
Status NotLinked() {
  return ArmStatus(ArmCode::kManagementPartnerNotFound, "This user or service principal is not linked with a Partner ID");
}
Status ServiceUnavailable(std::string_view why) { return ArmStatus(ArmCode::kServiceUnavailable, std::string(why)); }
Status AlreadyLinked(std::string_view current_partner_id) {
  return ArmStatus(ArmCode::kPartnerIdAlreadyLinked,
                       "This user or service principal is already linked with Partner ID " +
                           std::string(current_partner_id) +
                           ". Use update (PATCH) to link it to another Partner ID, or delete the link first.");
}

}  // namespace openpal::api
