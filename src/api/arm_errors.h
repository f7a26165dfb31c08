// The one place where failures become ARM error responses: status codes, error codes, messages and bodies.
// Everything below the HTTP edge reports a Status whose code is an ARM error code (or any other code, which
// becomes a 500); this file decides the HTTP status and writes {"error":{code,message},code,message}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openpal::api {

// An error as it goes on the wire.
struct ArmError {
  int http_status = 500;
  std::string code;
  std::string message;
  bool www_authenticate = false;  // 401s carry a WWW-Authenticate: Bearer challenge
  int retry_after = 0;            // seconds for a Retry-After header (503s); 0 = none
};

// Maps a Status (its code names the ARM error) to the response. Codes not known to the API become 500
// InternalServerError with a generic message: store or I/O details are logged, never sent. StoreBusy (the store's
// write lock held by another process longer than the busy timeout, e.g. an import) is 503 ServiceUnavailable with
// Retry-After: the request may succeed later.
ArmError ToArmError(const Status& status);

// {"error":{"code":...,"message":...},"code":...,"message":...}: the shape the real service returns.
std::string ArmErrorBody(const ArmError& error);

// The WWW-Authenticate value for a 401 (RFC 6750 Bearer challenge naming Entra's authority).
std::string BearerChallenge(const ArmError& error);

// ---- The failures of link-api.md, as Status values with the spec's codes and messages ----
Status MissingAuthorization();                        // 401 AuthenticationFailed
Status MalformedAuthorization();                      // 401 AuthenticationFailed
Status PrincipalNotFound(std::string_view tenant_id, std::string_view object_id);  // 403
Status MissingApiVersion();                           // 400 MissingApiVersionParameter
Status InvalidApiVersion(std::string_view given);     // 400 InvalidApiVersionParameter
Status MethodNotAllowed(std::string_view method);     // 405
Status UnknownResourceType(std::string_view path);    // 404 InvalidResourceType (under the provider)
Status UnknownPath(std::string_view path);            // 404 NotFound
Status BodyTooLarge();                                // 413 RequestEntityTooLarge
Status InvalidRequestContent(std::string_view why);   // 400
Status PartnerIdInvalid(std::string message);         // 400 PartnerIdInvalid
Status NotLinked();                                   // 404 ManagementPartnerNotFound
Status AlreadyLinked(std::string_view current_partner_id);  // 409 PartnerIdAlreadyLinked
Status ServiceUnavailable(std::string_view why);      // 503 ServiceUnavailable, Retry-After: 1 (server limits)

// The message of PartnerIdInvalid for a malformed ID, as the real service words it.
inline constexpr const char* kPartnerIdNotValid = "The Partner ID is not valid";

}  // namespace openpal::api
