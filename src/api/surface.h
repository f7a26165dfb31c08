// A surface of `pal serve`: one API (ARM link API, /openpal/v1 groups, the portal's files) behind a common,
// transport-free request/response shape. server.cc asks each surface in turn whether it claims a path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace openpal {
class Store;
}

namespace openpal::api {

class TokenVerifier;
class DevIssuer;

// What a surface needs of an HTTP request.
struct ApiRequest {
  std::string method;                        // upper case, as sent
  std::string path;                          // decoded path, no query
  std::optional<std::string> api_version;    // the api-version query parameter, if present
  std::optional<std::string> authorization;  // the Authorization header, if present
  std::string body;
  std::string request_id;                    // the x-ms-request-id this response will carry
  std::vector<std::pair<std::string, std::string>> query;    // decoded query parameters, in order
  std::vector<std::pair<std::string, std::string>> headers;  // request headers (names as sent)

  // The first query parameter named `name` (case-insensitive), if any.
  std::optional<std::string> Query(std::string_view name) const;
  // The first header named `name` (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

// What goes back; `status` 200 with an empty body means "no content" (DELETE).
struct ApiResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers; a Cache-Control here replaces ARM's
  std::string log_detail;  // for the request log only (internal errors), never sent
  std::string caller;      // "tid/oid" once the token is verified, for the log
};

// What every surface may use; all references outlive the server.
struct SurfaceContext {
  Store& store;
  const TokenVerifier& verifier;
  const DevIssuer* dev_issuer = nullptr;     // set when the server runs with --dev-issuer
  std::string db_path;                       // for messages
};

// The response for a failure, the same on every surface: the ARM error body (arm_errors.h), WWW-Authenticate on
// 401s, Retry-After on 503s; `log_detail` keeps internal causes of 5xx for the log.
ApiResponse ErrorResponse(const Status& status);

class Surface {
 public:
  virtual ~Surface() = default;
  // True when this surface answers `path` (as sent; compare case-insensitively where ARM would).
  virtual bool Claims(std::string_view path) const = 0;
  // Answers one request it claims. Thread-safe.
  virtual ApiResponse Handle(const ApiRequest& request) const = 0;
  // Called with the head of a request it claims that has a body (`body` empty), before the body is read: the
  // answer to send at once, without reading it, or nullopt to read it. A body is buffered only for a caller that
  // may use it (a verified token), so clients without one cannot make the server hold bodies. Must not block
  // (runs on the event loop). Thread-safe.
  virtual std::optional<ApiResponse> RefuseBody(const ApiRequest& head) const = 0;
};

}  // namespace openpal::api
