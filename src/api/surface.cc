// Lookups on the transport-free request shape shared by the surfaces, and the one error response.
#include "api/surface.h"

#include "api/arm_errors.h"
#include "core/guid.h"

namespace openpal::api {

std::optional<std::string> ApiRequest::Query(std::string_view name) const {
  for (const auto& [key, value] : query)
    if (EqualsIgnoreCase(key, name)) return value;
  return std::nullopt;
}

std::optional<std::string> ApiRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (EqualsIgnoreCase(key, name)) return value;
  return std::nullopt;
}

ApiResponse ErrorResponse(const Status& status) {
  ArmError error = ToArmError(status);
  ApiResponse r;
  r.status = error.http_status;
  r.body = ArmErrorBody(error);
  if (error.www_authenticate) r.headers.emplace_back("WWW-Authenticate", BearerChallenge(error));
  if (error.retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(error.retry_after));
  if (error.http_status >= 500) r.log_detail = std::string(StatusCodeName(status.code())) + ": " + status.ToString();
  return r;
}

ApiResponse JsonResponse(std::string body) {
  ApiResponse r;
  r.body = std::move(body);
  return r;
}

ApiResponse MethodNotAllowedResponse(std::string_view method, std::string_view allow) {
  ApiResponse r = ErrorResponse(MethodNotAllowed(method));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

}  // namespace openpal::api
