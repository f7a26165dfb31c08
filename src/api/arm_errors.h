// The one place where failures become ARM error responses: HTTP statuses, ARM error codes, messages and bodies.
// Below the HTTP edge a Status has only a StatusCode (core/status.h); the edge refines it with an ArmCode where
// the wire must say more (which 404, which 400), and this file alone spells the wire strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openpal::api {

// The ARM error codes the surfaces send (link-api.md, openpal-api.md): a Status carries one as its detail().
enum class ArmCode : uint16_t {
  kNone = 0,  // no refinement: the StatusCode decides (NotFound -> 404 NotFound, Busy/Unavailable -> 503, else 500)
  kAuthenticationFailed,
  kInvalidAuthenticationToken,
  kExpiredAuthenticationToken,
  kPrincipalNotFound,
  kAuthorizationFailed,
  kMissingApiVersionParameter,
  kInvalidApiVersionParameter,
  kInvalidRequestContent,
  kInvalidQueryParameter,
  kPartnerIdInvalid,
  kMethodNotAllowed,
  kInvalidResourceType,
  kNotFound,
  kManagementPartnerNotFound,
  kPartnerNotFound,
  kRunNotFound,
  kPartnerIdAlreadyLinked,
  kRequestEntityTooLarge,
  kPortalNotBuilt,
  kServiceUnavailable,
};

// A Status for `code`: its StatusCode from the table in arm_errors.cc, refined by `code`.
Status ArmStatus(ArmCode code, std::string message, std::string where = {});

// `status` refined by `code` (a surface naming what a lower layer's failure means on its wire, e.g. the engine's
// NotFound for a run is RunNotFound); an OK status stays OK.
Status Refine(const Status& status, ArmCode code);

// An error as it goes on the wire.
struct ArmError {
  int http_status = 500;
  std::string code;
  std::string message;
  bool www_authenticate = false;  // 401s carry a WWW-Authenticate: Bearer challenge
  int retry_after = 0;            // seconds for a Retry-After header (503s); 0 = none
};

// Maps a Status to the response: by its ArmCode detail if it has one, else by its StatusCode (NotFound is 404
// NotFound; the rest become 500 InternalServerError with a generic message: store or I/O details are logged, never
// sent). Busy (the store's write lock held by another process longer than the busy timeout, e.g. an import) is 503
// ServiceUnavailable with Retry-After: the request may succeed later.
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
Status PartnerNotInDirectory(std::string_view partner_id);  // 404 PartnerNotFound
Status NotLinked();                                   // 404 ManagementPartnerNotFound
Status AlreadyLinked(std::string_view current_partner_id);  // 409 PartnerIdAlreadyLinked
Status ServiceUnavailable(std::string_view why);      // 503 ServiceUnavailable, Retry-After: 1 (server limits)

// The message of PartnerIdInvalid for a malformed ID, as the real service words it.
inline constexpr const char* kPartnerIdNotValid = "The Partner ID is not valid";

}  // namespace openpal::api
