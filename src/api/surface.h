// A surface of `pal serve`: one API (ARM link API, /openpal/v1 groups, the portal's files) behind a common,
// transport-free request/response shape, declaring its routes as data (Route); route_table.h matches them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace openpal {
class Store;
}

namespace openpal::api {

class TokenVerifier;
class DevIssuer;
struct VerifiedToken;
class OidcProvider;

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
  const OidcProvider* oidc = nullptr;        // set with --oidc-authority: the portal signs in there
  bool tls = false;                          // served over HTTPS (the token service's URLs say which scheme)
  bool dev_issuer_any_host = false;          // --dev-issuer-anywhere: the token service answers any Host name
  std::vector<std::string> dev_redirect_uris = {};  // --dev-issuer-redirect-uri: the portal client's other redirect URIs
};

// The response for a failure, the same on every surface: the ARM error body (arm_errors.h), WWW-Authenticate on
// 401s, Retry-After on 503s; `log_detail` keeps internal causes of 5xx for the log.
ApiResponse ErrorResponse(const Status& status);

// A 200 with `body`, already JSON text (the default content type).
ApiResponse JsonResponse(std::string body);

// 405 MethodNotAllowed for `method`, with `allow` (e.g. "GET, PUT") as its Allow header (RFC 9110 §15.5.6).
ApiResponse MethodNotAllowedResponse(std::string_view method, std::string_view allow);

// Who may call a route; route_table.cc checks it once, for every surface alike.
enum class Auth : uint8_t {
  kPublic,     // no token: the portal's files, the dev sign-in (they take no body unless `takes_body`)
  kToken,      // a verified bearer token (caller.h); checked before the body is read and before the method
  kPrincipal,  // kToken, and after the method check the caller is an enabled user or service principal now
};

// Trailing slashes a route's path tolerates.
enum class Slash : uint8_t {
  kExact,  // none
  kOne,    // one ("/partners/" is "/partners": PowerShell sends it for "my link"); ARM and /openpal/v1 reports
  kAny,    // any number
};

// How a route's literal path segments compare.
enum class PathCase : uint8_t { kInsensitive /* as ARM does */, kExact };

// One call of a route's handler. References live for the call only.
struct RouteCall {
  const ApiRequest& request;
  const VerifiedToken* caller;             // the verified token (Auth::kToken, kPrincipal); nullptr when kPublic
  Timestamp now;                           // taken once per request, before authentication
  const std::vector<std::string>& params;  // the {name} segments of the pattern, in order, as sent
};

// One entry of the route table: `method pattern` answered by `handler`. Entries with the same pattern in one
// surface make one resource: they must agree on auth, slash and path_case (RouteTable::Problems checks it), and a
// method none of them has is 405 with their methods as Allow.
struct Route {
  std::string method;   // "GET", "PUT", ... as sent (HEAD only where declared); "*" any method (catch-alls)
  std::string pattern;  // "/a/b/{name}": literal segments, {name} one non-empty segment; a final "/**" any rest
  Auth auth = Auth::kToken;
  // True when the handler may wait (the store, a report query, signing): it runs on the blocking pool; false: it
  // answers from memory in microseconds and runs on the event loop.
  bool blocks = true;
  std::function<ApiResponse(const RouteCall&)> handler;
  Slash slash = Slash::kOne;
  PathCase path_case = PathCase::kInsensitive;
  bool takes_body = false;  // Auth::kPublic only: its body is read; any other public route refuses one unread
};

// One API of `pal serve`: its routes, and what every answer of it carries.
class Surface {
 public:
  virtual ~Surface() = default;
  // The routes, in match order (a catch-all after what it catches). Handlers capture this surface, which must
  // outlive the table holding them. Handlers are thread-safe.
  virtual std::vector<Route> Routes() const = 0;
  // Adjusts every answer of this surface's paths, errors and 405s included (the portal's security headers).
  virtual void Finish(ApiResponse&) const {}
};

}  // namespace openpal::api
