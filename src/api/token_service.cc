// The development token service under /adfs (pal serve --dev-issuer): an OAuth 2.0 / OpenID Connect authority that
// standard clients (MSAL, the Azure CLI, browsers) use unchanged — discovery, JWKS, the token endpoint
// (client_credentials with a client secret or a client assertion; authorization_code with PKCE) and the
// authorization endpoint (a development sign-in page). For development and tests only: see docs/api.md
// "The development token service". The /adfs path is what makes az skip MSAL's instance discovery
// (/work/shared/reference/az-cli-offline.md).
#include <algorithm>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "api/client_registry.h"
#include "api/dev_issuer.h"
#include "api/form.h"
#include "api/openpal_surfaces.h"
#include "core/guid.h"
#include "core/time.h"
#include "store/store.h"

namespace openpal::api {
namespace {

constexpr std::string_view kRoot = "/adfs";
constexpr int64_t kTokenSeconds = 3600;
constexpr int64_t kCodeSeconds = 120;
constexpr size_t kMaxPendingCodes = 4096;
// Refresh tokens (the portal's silent renewal): kept in memory only, so a restart of the server ends every session
// (the portal then asks to sign in again). Each lives a day and is rotated on use.
constexpr int64_t kRefreshSeconds = 24 * 3600;
constexpr size_t kMaxRefreshTokens = 16384;
// What a token is for when the client names no resource (the portal asks only for openid profile): the link API.
constexpr const char* kDefaultResource = "https://management.azure.com/";
constexpr const char* kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// An OAuth 2.0 error response (RFC 6749 §5.2): {"error", "error_description"}, never cached.
ApiResponse OAuthError(int status, std::string_view error, std::string_view description) {
  ApiResponse r;
  r.status = status;
  r.body = nlohmann::json{{"error", error}, {"error_description", description}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}, {"Access-Control-Allow-Origin", "*"}};
  r.log_detail = std::string(error);
  return r;
}

ApiResponse JsonAnswer(const nlohmann::json& doc, const char* cache) {
  ApiResponse r;
  r.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.headers = {{"Cache-Control", cache}, {"Access-Control-Allow-Origin", "*"}};
  if (std::string_view(cache) == "no-store") r.headers.emplace_back("Pragma", "no-cache");
  return r;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// The host part of a Host header value ("localhost:8443" -> "localhost", "[::1]:8443" -> "::1").
std::string HostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return std::string(host.substr(1, close == std::string_view::npos ? host.size() : close - 1));
  }
  return std::string(host.substr(0, host.find(':')));
}

bool IsLoopbackName(const std::string& name) {
  if (EqualsIgnoreCase(name, "localhost") || name == "::1") return true;
  // 127.0.0.0/8, written as four decimal parts.
  if (name.rfind("127.", 0) != 0) return false;
  int parts = 2;  // "127" and what follows its dot
  for (char c : name.substr(4)) {
    if (c == '.') ++parts;
    else if (c < '0' || c > '9') return false;
  }
  return parts == 4;
}

// A Host header safe to echo into URLs and JSON: host name or address, optional port.
bool IsPlainHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == ':' || c == '[' || c == ']';
  });
}

// The origin ("scheme://host[:port]") of an absolute http(s) URL without user info or fragment, or "".
std::string OriginOf(std::string_view url) {
  for (std::string_view scheme : {"https://", "http://"}) {
    if (url.substr(0, scheme.size()) != scheme) continue;
    std::string_view rest = url.substr(scheme.size());
    size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (!IsPlainHost(authority) || url.find('#') != std::string_view::npos) return "";
    return std::string(scheme) + std::string(authority);
  }
  return "";
}

std::string Sha256Base64Url(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

// RFC 7636 §4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
bool IsCodeVerifier(std::string_view v) {
  if (v.size() < 43 || v.size() > 128) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
  });
}

std::vector<std::string> SplitScope(std::string_view scope) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < scope.size()) {
    size_t end = scope.find(' ', start);
    if (end == std::string_view::npos) end = scope.size();
    if (end > start) out.emplace_back(scope.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool IsOidcScope(const std::string& s) {
  return s == "openid" || s == "profile" || s == "offline_access" || s == "email";
}

// The resource a request's scope names: the one "{resource}/.default" scope, as Entra ID's v2 endpoint takes it
// ("https://management.core.windows.net//.default" -> "https://management.core.windows.net/"), or the v1
// `resource` parameter. `fallback` when neither names one (nullopt: the scope is required). An error text when
// the scope is malformed or names several resources.
struct ResourceChoice {
  std::string resource;
  std::string error;
};
ResourceChoice ResourceOf(const FormFields& form, const std::optional<std::string>& fallback) {
  std::vector<std::string> resources;
  for (const auto& s : SplitScope(form.GetOr("scope"))) {
    if (IsOidcScope(s)) continue;
    constexpr std::string_view kDefault = "/.default";
    if (s.size() <= kDefault.size() || s.compare(s.size() - kDefault.size(), kDefault.size(), kDefault) != 0)
      return {"", "scope '" + s + "' is not accepted: ask for '{resource}/.default' (a token's aud is one resource)."};
    resources.push_back(s.substr(0, s.size() - kDefault.size()));
  }
  if (resources.size() > 1) return {"", "the scope names more than one resource; a token is for one."};
  std::string resource = resources.empty() ? form.GetOr("resource") : resources[0];
  if (resource.empty()) {
    if (fallback) return {*fallback, ""};
    return {"", "scope is required: '{resource}/.default', e.g. 'https://management.azure.com/.default'."};
  }
  if (resource.find("://") == std::string::npos || resource.size() > 512 ||
      resource.find_first_of(" \t\r\n\"\\") != std::string::npos)
    return {"", "the resource '" + resource + "' is not an absolute URI."};
  return {resource, ""};
}

// An authorization code waiting for its token request (RFC 6749 §4.1, RFC 7636).
struct PendingCode {
  std::string client_id, redirect_uri, code_challenge, nonce, resource;
  std::string tenant_id, object_id;
  bool offline = false;  // the scope asked for offline_access: the answer carries a refresh token
  int64_t expires = 0;   // seconds since the epoch
};

// A refresh token's grant (RFC 6749 §6). Tokens rotate: each use spends the token and issues a new one of the same
// family; presenting a spent one revokes the whole family (RFC 9700 §4.14.2), since one of its two holders stole it.
struct RefreshGrant {
  std::string client_id, resource, tenant_id, object_id;
  uint64_t family = 0;
  int64_t expires = 0;
};

// A random, URL-safe token of 256 bits; nullopt when OpenSSL's generator fails.
std::optional<std::string> RandomToken() {
  std::string random(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(random.size())) != 1)
    return std::nullopt;
  return Base64UrlEncode(random);
}

class TokenService : public Surface {
 public:
  explicit TokenService(const SurfaceContext& context) : context_(context) {}

  // Every route is public (its clients have no token yet: that is what they come for). The token and authorization
  // endpoints read form bodies, which the edge bounds (1 MiB, --body-memory); nothing else takes one.
  std::vector<Route> Routes() const override {
    auto route = [this](const char* method, const char* pattern, bool blocks, bool takes_body,
                        ApiResponse (TokenService::*handler)(const ApiRequest&, const std::string&) const) {
      return Route{method, pattern, Auth::kPublic, blocks,
                   [this, handler](const RouteCall& call) { return Served(call.request, handler); },
                   Slash::kOne, PathCase::kInsensitive, takes_body};
    };
    return {
        route("GET", "/adfs/.well-known/openid-configuration", false, false, &TokenService::Discovery),
        route("GET", "/adfs/discovery/keys", false, false, &TokenService::Keys),
        // Checking a secret (PBKDF2) and signing take milliseconds: the blocking pool.
        route("POST", "/adfs/oauth2/token", true, true, &TokenService::Token),
        route("GET", "/adfs/oauth2/authorize", true, false, &TokenService::Authorize),
        route("POST", "/adfs/oauth2/authorize", true, true, &TokenService::AuthorizePost),
        route("GET", "/adfs/oauth2/logout", false, false, &TokenService::Logout),
        Route{"*", "/adfs/**", Auth::kPublic, false,
              [](const RouteCall& call) { return NotFound(call.request.path); }, Slash::kOne},
    };
  }

 private:
  // Runs `handler` for a request whose Host is one the service may answer, with the base URL that Host makes.
  ApiResponse Served(const ApiRequest& request,
                     ApiResponse (TokenService::*handler)(const ApiRequest&, const std::string&) const) const {
    auto host = request.Header("Host");
    if (!host || !IsPlainHost(*host))
      return OAuthError(400, "invalid_request", "the Host header is missing or not a host[:port].");
    // DNS rebinding: a page of another site whose name resolves to 127.0.0.1 reaches this loopback server with its
    // own name as Host. Only loopback names are served, unless the operator allowed other addresses.
    if (!context_.dev_issuer_any_host && !IsLoopbackName(HostName(*host)))
      return OAuthError(400, "invalid_request",
                        "the development token service answers only loopback host names (localhost, 127.0.0.1, [::1]); "
                        "see pal serve --dev-issuer-anywhere.");
    const std::string base = std::string(context_.tls ? "https://" : "http://") + *host + std::string(kRoot);
    return (this->*handler)(request, base);
  }

  static ApiResponse NotFound(const std::string& path) {
    return OAuthError(404, "invalid_request",
                      "no such endpoint of the development token service: " + path.substr(0, 200) +
                          " (see /adfs/.well-known/openid-configuration).");
  }

  ApiResponse Discovery(const ApiRequest&, const std::string& base) const {
    return JsonAnswer(
        {{"issuer", base},
         {"authorization_endpoint", base + "/oauth2/authorize"},
         {"token_endpoint", base + "/oauth2/token"},
         {"jwks_uri", base + "/discovery/keys"},
         {"end_session_endpoint", base + "/oauth2/logout"},
         {"response_types_supported", {"code"}},
         {"response_modes_supported", {"query", "fragment"}},
         {"grant_types_supported", {"client_credentials", "authorization_code", "refresh_token"}},
         {"subject_types_supported", {"public"}},
         {"id_token_signing_alg_values_supported", {"RS256"}},
         {"token_endpoint_auth_methods_supported", {"client_secret_post", "client_secret_basic", "private_key_jwt", "none"}},
         {"token_endpoint_auth_signing_alg_values_supported", {"RS256"}},
         {"code_challenge_methods_supported", {"S256"}},
         {"scopes_supported", {"openid", "profile", "offline_access"}},
         {"claims_supported", {"iss", "sub", "aud", "exp", "iat", "nbf", "oid", "tid", "name", "preferred_username", "nonce", "appid"}},
         {"openpal_development_only", true}},
        "no-cache");
  }

  ApiResponse Keys(const ApiRequest&, const std::string&) const {
    auto jwks = context_.dev_issuer->Jwks();
    if (!jwks.ok()) return ErrorResponse(jwks.status());
    ApiResponse r = JsonAnswer(nlohmann::json::parse(*jwks), "no-cache");
    return r;
  }

  // ---- The token endpoint ----

  ApiResponse Token(const ApiRequest& request, const std::string& base) const {
    auto content_type = request.Header("Content-Type");
    if (!content_type || !IsFormContentType(*content_type))
      return OAuthError(400, "invalid_request", "the token request must be application/x-www-form-urlencoded.");
    auto form = ParseForm(request.body);
    if (!form.ok()) return OAuthError(400, "invalid_request", form.status().ToString());
    const std::string grant = form->GetOr("grant_type");
    if (grant.empty()) return OAuthError(400, "invalid_request", "grant_type is required.");
    Timestamp now = Timestamp::Now();
    if (grant == "client_credentials") return ClientCredentials(request, *form, base, now);
    if (grant == "authorization_code") return AuthorizationCode(request, *form, base, now);
    if (grant == "refresh_token") return RefreshToken(request, *form, base, now);
    return OAuthError(400, "unsupported_grant_type",
                      "grant_type '" + grant.substr(0, 100) +
                          "' is not supported; this development authority supports client_credentials, "
                          "authorization_code and refresh_token.");
  }

  // How the client authenticated: nullopt with no credential (a public client), the principal, or an error answer.
  struct ClientAuth {
    std::optional<ClientPrincipal> principal;
    std::optional<ApiResponse> error;
    bool basic = false;
  };
  ClientAuth AuthenticateClient(const ApiRequest& request, const FormFields& form, const std::string& base,
                                Timestamp now) const {
    ClientAuth out;
    std::string client_id = form.GetOr("client_id");
    std::optional<std::string> secret = form.Get("client_secret");
    auto assertion = form.Get("client_assertion");
    if (auto authorization = request.Header("Authorization")) {
      // client_secret_basic (RFC 6749 §2.3.1): base64 of form-encoded "id:secret".
      constexpr std::string_view kBasic = "basic ";
      std::string_view value = *authorization;
      std::optional<std::string> decoded;
      if (value.size() > kBasic.size() && EqualsIgnoreCase(value.substr(0, kBasic.size()), kBasic)) {
        std::string b64(value.substr(kBasic.size()));
        std::replace(b64.begin(), b64.end(), '+', '-');
        std::replace(b64.begin(), b64.end(), '/', '_');
        decoded = Base64UrlDecode(b64);
      }
      size_t colon = decoded ? decoded->find(':') : std::string::npos;
      if (colon == std::string::npos) {
        out.error = OAuthError(401, "invalid_client", "the Authorization header is not HTTP Basic client authentication.");
        return out;
      }
      auto id = ParseForm("a=" + decoded->substr(0, colon) + "&b=" + decoded->substr(colon + 1));
      if (!id.ok() || secret || assertion || (!client_id.empty() && client_id != id->GetOr("a"))) {
        out.error = OAuthError(400, "invalid_request", "use one client authentication method only (RFC 6749 §2.3).");
        return out;
      }
      client_id = id->GetOr("a");
      secret = id->GetOr("b");
      out.basic = true;
    }
    if (secret && assertion) {
      out.error = OAuthError(400, "invalid_request", "use one client authentication method only (RFC 6749 §2.3).");
      return out;
    }
    if (assertion) {
      if (form.GetOr("client_assertion_type") != kAssertionType) {
        out.error = OAuthError(400, "invalid_request",
                               std::string("client_assertion_type must be ") + kAssertionType + ".");
        return out;
      }
      if (client_id.empty()) {
        out.error = OAuthError(400, "invalid_request", "client_id is required.");
        return out;
      }
      std::vector<std::string> audiences = {base + "/oauth2/token", base, kTokenExchangeAudience};
      auto principal = AuthenticateClientAssertion(context_.store, client_id, *assertion, audiences, now);
      if (!principal.ok()) {
        if (principal.status().code() != StatusCode::kUnauthenticated) {
          out.error = ErrorResponse(principal.status());
          return out;
        }
        out.error = OAuthError(401, "invalid_client", principal.status().message());
        return out;
      }
      out.principal = *principal;
      return out;
    }
    if (secret) {
      if (client_id.empty()) {
        out.error = OAuthError(400, "invalid_request", "client_id is required.");
        return out;
      }
      auto principal = AuthenticateClientSecret(context_.store, client_id, *secret);
      if (!principal.ok()) {
        if (principal.status().code() != StatusCode::kUnauthenticated) {
          out.error = ErrorResponse(principal.status());
          return out;
        }
        out.error = OAuthError(401, "invalid_client", principal.status().message());
        if (out.basic) out.error->headers.emplace_back("WWW-Authenticate", "Basic realm=\"openpal\"");
        return out;
      }
      out.principal = *principal;
    }
    return out;
  }

  // The principal (tenant, object) must be in the directory now, enabled, and not a group; `service_principal`
  // demands a service principal. The reason otherwise.
  Result<Principal> DirectoryPrincipal(const std::string& tenant, const std::string& object, Timestamp now,
                                       bool service_principal) const {
    auto fact = context_.store.PrincipalAt(tenant, object, now);
    if (!fact.ok()) return fact.status();
    if (!*fact || !(*fact)->value.enabled || (*fact)->value.kind == PrincipalKind::kGroup ||
        (service_principal && (*fact)->value.kind != PrincipalKind::kServicePrincipal))
      return Status::Error(StatusCode::kPermissionDenied,
                           "principal " + object + " of tenant " + tenant +
                               " is not an enabled " + (service_principal ? "service principal" : "user or service principal") +
                               " in the directory now.");
    return (*fact)->value;
  }

  ApiResponse TokenResponse(nlohmann::json response) const {
    return JsonAnswer(response, "no-store");
  }

  Result<std::string> AccessToken(const std::string& base, const std::string& resource, const std::string& tenant,
                                  const std::string& object, const std::string& client_id, const char* appidacr,
                                  bool app_only, Timestamp now) const {
    const int64_t t = now.micros / 1000000;
    nlohmann::json claims = {{"aud", resource},   {"iss", base},       {"iat", t},
                             {"nbf", t},          {"exp", t + kTokenSeconds},
                             {"tid", tenant},     {"oid", object},     {"sub", object},
                             {"appid", client_id}, {"appidacr", appidacr}, {"ver", "1.0"}};
    if (app_only) claims["idtyp"] = "app";
    return context_.dev_issuer->SignClaims(claims.dump());
  }

  ApiResponse ClientCredentials(const ApiRequest& request, const FormFields& form, const std::string& base,
                                Timestamp now) const {
    ClientAuth auth = AuthenticateClient(request, form, base, now);
    if (auth.error) return *auth.error;
    if (!auth.principal)
      return OAuthError(401, "invalid_client",
                        "client_credentials needs client authentication: client_secret, or client_assertion with "
                        "client_assertion_type, or HTTP Basic.");
    ResourceChoice resource = ResourceOf(form, std::nullopt);
    if (!resource.error.empty()) return OAuthError(400, "invalid_scope", resource.error);
    const ClientPrincipal& p = *auth.principal;
    auto principal = DirectoryPrincipal(p.tenant_id, p.object_id, now, /*service_principal=*/true);
    if (!principal.ok()) {
      if (principal.status().code() != StatusCode::kPermissionDenied) return ErrorResponse(principal.status());
      return OAuthError(401, "invalid_client", principal.status().message());
    }
    auto token = AccessToken(base, resource.resource, p.tenant_id, p.object_id, p.client_id,
                             form.Get("client_assertion") ? "2" : "1", /*app_only=*/true, now);
    if (!token.ok()) return ErrorResponse(token.status());
    ApiResponse r = TokenResponse({{"token_type", "Bearer"},
                                   {"expires_in", kTokenSeconds - 1},
                                   {"ext_expires_in", kTokenSeconds - 1},
                                   {"access_token", *token}});
    r.caller = p.tenant_id + "/" + p.object_id;
    return r;
  }

  ApiResponse AuthorizationCode(const ApiRequest& request, const FormFields& form, const std::string& base,
                                Timestamp now) const {
    const std::string code = form.GetOr("code");
    const std::string verifier = form.GetOr("code_verifier");
    if (code.empty()) return OAuthError(400, "invalid_request", "code is required.");
    std::optional<PendingCode> pending;
    {
      // One use only, whatever the outcome (RFC 6749 §4.1.2): a failed attempt cannot be retried with another
      // verifier.
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = codes_.find(code);
      if (it != codes_.end()) {
        pending = it->second;
        codes_.erase(it);
      }
    }
    const int64_t t = now.micros / 1000000;
    if (!pending || pending->expires < t)
      return OAuthError(400, "invalid_grant", "the authorization code is unknown, used or expired.");
    ClientAuth auth = AuthenticateClient(request, form, base, now);
    if (auth.error) return *auth.error;
    const std::string client_id = auth.principal ? auth.principal->client_id : form.GetOr("client_id");
    if (!EqualsIgnoreCase(client_id, pending->client_id))
      return OAuthError(400, "invalid_grant", "the authorization code was issued to another client.");
    if (form.GetOr("redirect_uri") != pending->redirect_uri)
      return OAuthError(400, "invalid_grant", "redirect_uri differs from the authorization request's.");
    if (!IsCodeVerifier(verifier))
      return OAuthError(400, "invalid_request", "code_verifier is required: 43 to 128 characters (RFC 7636).");
    if (Sha256Base64Url(verifier) != pending->code_challenge)
      return OAuthError(400, "invalid_grant", "the code_verifier does not match the code_challenge (PKCE, S256).");
    RefreshGrant grant{pending->client_id, pending->resource, pending->tenant_id, pending->object_id, 0, 0};
    return UserTokens(base, grant, pending->nonce, pending->offline, now);
  }

  // The tokens of a signed-in user (or service principal) for a public client: an access token for the grant's
  // resource, an ID token for the client, and with `offline` a new refresh token of the grant's family (a new family
  // when it has none). The principal must still be enabled in the directory: a disabled one renews nothing.
  ApiResponse UserTokens(const std::string& base, RefreshGrant grant, const std::string& nonce, bool offline,
                         Timestamp now) const {
    auto principal = DirectoryPrincipal(grant.tenant_id, grant.object_id, now, /*service_principal=*/false);
    if (!principal.ok()) {
      if (principal.status().code() != StatusCode::kPermissionDenied) return ErrorResponse(principal.status());
      return OAuthError(400, "invalid_grant", principal.status().message());
    }
    const int64_t t = now.micros / 1000000;
    auto access = AccessToken(base, grant.resource, grant.tenant_id, grant.object_id, grant.client_id, "0",
                              principal->kind == PrincipalKind::kServicePrincipal, now);
    if (!access.ok()) return ErrorResponse(access.status());
    nlohmann::json id_claims = {{"aud", grant.client_id},
                                {"iss", base},
                                {"iat", t},
                                {"nbf", t},
                                {"exp", t + kTokenSeconds},
                                {"sub", grant.object_id},
                                {"oid", grant.object_id},
                                {"tid", grant.tenant_id},
                                {"name", principal->display_name},
                                {"preferred_username", principal->sign_in_name},
                                {"ver", "2.0"}};
    if (!nonce.empty()) id_claims["nonce"] = nonce;
    auto id_token = context_.dev_issuer->SignClaims(id_claims.dump());
    if (!id_token.ok()) return ErrorResponse(id_token.status());
    nlohmann::json answer = {{"token_type", "Bearer"},
                             {"expires_in", kTokenSeconds - 1},
                             {"ext_expires_in", kTokenSeconds - 1},
                             {"scope", grant.resource + ".default openid profile" + (offline ? " offline_access" : "")},
                             {"access_token", *access},
                             {"id_token", *id_token}};
    if (offline) {
      auto refresh = RandomToken();
      if (!refresh) return ErrorResponse(Status::Error(StatusCode::kInternal, "OpenSSL's random generator failed"));
      std::lock_guard<std::mutex> lock(mutex_);
      if (refresh_.size() >= kMaxRefreshTokens) {
        for (auto it = refresh_.begin(); it != refresh_.end();) it = it->second.expires < t ? refresh_.erase(it) : std::next(it);
        if (refresh_.size() >= kMaxRefreshTokens) spent_.clear(), refresh_.erase(refresh_.begin());  // oldest-ish: a dev server
      }
      if (grant.family == 0) grant.family = ++families_;
      grant.expires = t + kRefreshSeconds;
      refresh_[*refresh] = grant;
      answer["refresh_token"] = *refresh;
      answer["refresh_token_expires_in"] = kRefreshSeconds;
    }
    ApiResponse r = TokenResponse(std::move(answer));
    r.caller = grant.tenant_id + "/" + grant.object_id;
    return r;
  }

  // grant_type=refresh_token (RFC 6749 §6) for a public client: the token is spent and a new one issued (rotation).
  ApiResponse RefreshToken(const ApiRequest& request, const FormFields& form, const std::string& base,
                           Timestamp now) const {
    const std::string token = form.GetOr("refresh_token");
    if (token.empty()) return OAuthError(400, "invalid_request", "refresh_token is required.");
    ClientAuth auth = AuthenticateClient(request, form, base, now);
    if (auth.error) return *auth.error;
    const std::string client_id = auth.principal ? auth.principal->client_id : form.GetOr("client_id");
    if (client_id.empty()) return OAuthError(400, "invalid_request", "client_id is required.");
    const int64_t t = now.micros / 1000000;
    std::optional<RefreshGrant> grant;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = refresh_.find(token);
      if (it == refresh_.end()) {
        // A spent token shown again: its family is revoked, the thief's and the rightful holder's tokens alike.
        if (auto spent = spent_.find(token); spent != spent_.end()) {
          const uint64_t family = spent->second;
          for (auto r = refresh_.begin(); r != refresh_.end();) r = r->second.family == family ? refresh_.erase(r) : std::next(r);
          return OAuthError(400, "invalid_grant",
                            "the refresh token was already used: every token of this sign-in is revoked; sign in again.");
        }
        return OAuthError(400, "invalid_grant", "the refresh token is unknown or expired (tokens live in memory: a "
                                                "restart of the server ends every session); sign in again.");
      }
      grant = it->second;
      refresh_.erase(it);
      if (spent_.size() >= kMaxRefreshTokens) spent_.clear();
      spent_[token] = grant->family;
    }
    if (grant->expires < t) return OAuthError(400, "invalid_grant", "the refresh token expired; sign in again.");
    if (!EqualsIgnoreCase(client_id, grant->client_id))
      return OAuthError(400, "invalid_grant", "the refresh token was issued to another client.");
    // A renewal may ask for the same resource or another one (as Entra ID's refresh tokens allow); by default the same.
    ResourceChoice resource = ResourceOf(form, grant->resource);
    if (!resource.error.empty()) return OAuthError(400, "invalid_scope", resource.error);
    grant->resource = resource.resource;
    return UserTokens(base, *grant, "", /*offline=*/true, now);
  }

  // ---- The authorization endpoint: a development sign-in page (a principal picker), then a code ----

  // The parameters of an authorization request, checked. `error_page` is set when the client cannot be trusted
  // with a redirect (RFC 6749 §4.1.2.1: then the error is shown, never sent to the redirect_uri); `redirect_error`
  // when the error goes back to the client.
  struct AuthorizeRequest {
    std::string client_id, redirect_uri, scope, state, nonce, code_challenge, response_mode;
    std::string resource;
    bool offline = false;
    std::string error_page;
    std::string redirect_error, redirect_error_description;
  };

  AuthorizeRequest CheckAuthorize(const FormFields& params, const std::string& host) const {
    AuthorizeRequest a;
    a.client_id = params.GetOr("client_id");
    a.redirect_uri = params.GetOr("redirect_uri");
    a.scope = params.GetOr("scope");
    a.state = params.GetOr("state");
    a.nonce = params.GetOr("nonce");
    a.code_challenge = params.GetOr("code_challenge");
    a.response_mode = params.GetOr("response_mode");
    if (a.client_id.empty() || a.client_id.size() > 256) {
      a.error_page = "client_id is required.";
      return a;
    }
    // Codes go only to a registered redirect URI of a registered public client, compared exactly (RFC 9700 §2.1):
    // anyone reaching this page can sign in as anyone, so a code must never reach another site.
    if (a.client_id != kDevPortalClientId) {
      a.error_page = "client_id '" + a.client_id + "' is not a registered client of the development authority; its one "
                     "public client is the portal, '" + std::string(kDevPortalClientId) + "'.";
      return a;
    }
    const auto registered = RedirectUris(host);
    if (std::find(registered.begin(), registered.end(), a.redirect_uri) == registered.end()) {
      std::string list;
      for (const auto& uri : registered) list += (list.empty() ? "" : ", ") + uri;
      a.error_page = "redirect_uri '" + a.redirect_uri + "' is not registered for client '" + a.client_id +
                     "' (registered: " + list + "; add others with pal serve --dev-issuer-redirect-uri).";
      return a;
    }
    auto fail = [&](const char* error, std::string description) {
      a.redirect_error = error;
      a.redirect_error_description = std::move(description);
      return a;
    };
    if (!a.response_mode.empty() && a.response_mode != "query" && a.response_mode != "fragment")
      return fail("invalid_request", "response_mode must be query or fragment.");
    if (params.GetOr("response_type") != "code")
      return fail("unsupported_response_type", "response_type must be code (the authorization code flow with PKCE).");
    if (a.code_challenge.empty() || params.GetOr("code_challenge_method") != "S256")
      return fail("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256.");
    if (a.code_challenge.size() != 43 || !Base64UrlDecode(a.code_challenge))
      return fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code_verifier (43 characters).");
    auto resource = ResourceOf(*ParseForm("scope=" + PercentEncode(a.scope)), std::string(kDefaultResource));
    if (!resource.error.empty()) return fail("invalid_scope", resource.error);
    a.resource = resource.resource;
    for (const auto& scope : SplitScope(a.scope)) a.offline |= scope == "offline_access";
    if (a.state.size() > 2048 || a.nonce.size() > 2048) return fail("invalid_request", "state or nonce is too long.");
    return a;
  }

  ApiResponse RedirectTo(const AuthorizeRequest& a, std::vector<std::pair<std::string, std::string>> params) const {
    if (!a.state.empty()) params.emplace_back("state", a.state);
    std::string query;
    for (const auto& [k, v] : params) query += (query.empty() ? "" : "&") + k + "=" + PercentEncode(v);
    char separator = a.response_mode == "fragment" ? '#' : (a.redirect_uri.find('?') == std::string::npos ? '?' : '&');
    ApiResponse r;
    r.status = 303;  // after the POST of the sign-in page, the browser GETs the client's page
    r.content_type = "text/plain; charset=utf-8";
    r.headers = {{"Location", query.empty() ? a.redirect_uri : a.redirect_uri + separator + query},
                 {"Cache-Control", "no-store"}};
    return r;
  }

  ApiResponse Page(int status, const std::string& body_html, const std::string& form_action_origin) const {
    ApiResponse r;
    r.status = status;
    r.content_type = "text/html; charset=utf-8";
    r.body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>openpal development sign-in</title>"
             "</head><body><h1>openpal development sign-in</h1><p><strong>For development and tests only.</strong> "
             "This authority signs anyone in as any principal of the directory; it is never for production.</p>" +
             body_html + "</body></html>";
    // No script, no style, no frame; the form posts back here, and its redirect may go to the client's origin.
    std::string form_action = "'self'";
    if (!form_action_origin.empty()) form_action += " " + form_action_origin;
    r.headers = {{"Content-Security-Policy",
                  "default-src 'none'; form-action " + form_action + "; frame-ancestors 'none'; base-uri 'none'"},
                 {"Cache-Control", "no-store"},
                 {"Referrer-Policy", "no-referrer"},
                 {"X-Frame-Options", "DENY"}};
    return r;
  }

  ApiResponse Authorize(const ApiRequest& request, const std::string& base) const {
    std::string text;
    for (const auto& [k, v] : request.query) text += (text.empty() ? "" : "&") + PercentEncode(k) + "=" + PercentEncode(v);
    auto params = ParseForm(text);
    if (!params.ok()) return Page(400, "<p>" + HtmlEscape(params.status().ToString()) + "</p>", "");
    AuthorizeRequest a = CheckAuthorize(*params, *request.Header("Host"));
    if (!a.error_page.empty()) return Page(400, "<p>The sign-in request is not valid: " + HtmlEscape(a.error_page) + "</p>", "");
    if (!a.redirect_error.empty())
      return RedirectTo(a, {{"error", a.redirect_error}, {"error_description", a.redirect_error_description}});
    // The picker: enabled users and service principals now, by tenant.
    Timestamp now = Timestamp::Now();
    const Interval moment{now, Timestamp{now.micros + 1}};
    auto principals = context_.store.LoadFacts(FactKind::kPrincipal, moment);
    if (!principals.ok()) return ErrorResponse(principals.status());
    std::vector<Principal> list;
    for (const auto& f : *principals) {
      const auto& p = std::get<Principal>(f.value);
      if (p.enabled && p.kind != PrincipalKind::kGroup) list.push_back(p);
    }
    std::sort(list.begin(), list.end(), [](const Principal& x, const Principal& y) {
      return std::tie(x.tenant_id, x.kind, x.display_name, x.object_id) <
             std::tie(y.tenant_id, y.kind, y.display_name, y.object_id);
    });
    std::string hidden;
    for (const auto& [k, v] : params->fields())
      if (k != "principal")
        hidden += "<input type=\"hidden\" name=\"" + HtmlEscape(k) + "\" value=\"" + HtmlEscape(v) + "\">";
    std::string html = "<p>Sign in to <code>" + HtmlEscape(a.client_id) + "</code> as:</p><form method=\"post\" action=\"" +
                       HtmlEscape(base) + "/oauth2/authorize\">" + hidden;
    std::string tenant;
    size_t shown = 0;
    for (const auto& p : list) {
      if (++shown > 2000) break;  // a development directory; a larger one is not browsed in a page
      if (p.tenant_id != tenant) {
        html += (tenant.empty() ? "" : "</ul>") + std::string("<h2>Tenant ") + HtmlEscape(p.tenant_id) + "</h2><ul>";
        tenant = p.tenant_id;
      }
      html += "<li><button type=\"submit\" name=\"principal\" value=\"" + p.tenant_id + "/" + p.object_id + "\">" +
              HtmlEscape(p.display_name.empty() ? p.object_id : p.display_name) + "</button> " +
              (p.kind == PrincipalKind::kUser ? "user" : "service principal") + " " + HtmlEscape(p.sign_in_name) +
              "</li>";
    }
    if (!tenant.empty()) html += "</ul>";
    if (list.empty()) html += "<p>The directory has no enabled users or service principals: import a snapshot first.</p>";
    html += "</form>";
    return Page(200, html, OriginOf(a.redirect_uri));
  }

  ApiResponse AuthorizePost(const ApiRequest& request, const std::string& base) const {
    auto content_type = request.Header("Content-Type");
    if (!content_type || !IsFormContentType(*content_type))
      return Page(400, "<p>The sign-in form must be application/x-www-form-urlencoded.</p>", "");
    auto form = ParseForm(request.body);
    if (!form.ok()) return Page(400, "<p>" + HtmlEscape(form.status().ToString()) + "</p>", "");
    AuthorizeRequest a = CheckAuthorize(*form, *request.Header("Host"));
    if (!a.error_page.empty()) return Page(400, "<p>The sign-in request is not valid: " + HtmlEscape(a.error_page) + "</p>", "");
    if (!a.redirect_error.empty())
      return RedirectTo(a, {{"error", a.redirect_error}, {"error_description", a.redirect_error_description}});
    const std::string chosen = form->GetOr("principal");
    size_t slash = chosen.find('/');
    auto tenant = NormalizeGuid(std::string_view(chosen).substr(0, slash == std::string::npos ? 0 : slash));
    auto object = slash == std::string::npos ? std::nullopt : NormalizeGuid(std::string_view(chosen).substr(slash + 1));
    if (!tenant || !object) return Page(400, "<p>principal must be TENANT_ID/OBJECT_ID.</p>", "");
    Timestamp now = Timestamp::Now();
    auto principal = DirectoryPrincipal(*tenant, *object, now, /*service_principal=*/false);
    if (!principal.ok()) {
      if (principal.status().code() != StatusCode::kPermissionDenied) return ErrorResponse(principal.status());
      return RedirectTo(a, {{"error", "access_denied"}, {"error_description", principal.status().message()}});
    }
    std::string random(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(random.size())) != 1)
      return ErrorResponse(Status::Error(StatusCode::kInternal, "OpenSSL's random generator failed"));
    std::string code = Base64UrlEncode(random);
    const int64_t t = now.micros / 1000000;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (codes_.size() >= kMaxPendingCodes) {
        for (auto it = codes_.begin(); it != codes_.end();) it = it->second.expires < t ? codes_.erase(it) : std::next(it);
        if (codes_.size() >= kMaxPendingCodes)
          return RedirectTo(a, {{"error", "temporarily_unavailable"}, {"error_description", "too many sign-ins pending."}});
      }
      codes_[code] = PendingCode{a.client_id, a.redirect_uri, a.code_challenge, a.nonce, a.resource, *tenant, *object,
                                 a.offline, t + kCodeSeconds};
    }
    ApiResponse r = RedirectTo(a, {{"code", code}});
    r.caller = *tenant + "/" + *object;
    return r;
  }

  // The portal client's redirect URIs: this server's own portal ("{scheme}://{Host}/", the Host having been checked
  // by Served) and those the operator registered (--dev-issuer-redirect-uri, e.g. a portal dev server).
  std::vector<std::string> RedirectUris(const std::string& host) const {
    std::vector<std::string> uris = {std::string(context_.tls ? "https://" : "http://") + host + "/"};
    uris.insert(uris.end(), context_.dev_redirect_uris.begin(), context_.dev_redirect_uris.end());
    return uris;
  }

  // The end-session endpoint (OpenID Connect RP-Initiated Logout): the authority keeps no session of its own (every
  // sign-in shows the picker), so there is nothing to end here; it sends the browser back to a registered
  // post_logout_redirect_uri, or says the user is signed out.
  ApiResponse Logout(const ApiRequest& request, const std::string&) const {
    std::string back;
    std::string state;
    for (const auto& [k, v] : request.query) {
      if (k == "post_logout_redirect_uri") back = v;
      if (k == "state") state = v;
    }
    const auto registered = RedirectUris(*request.Header("Host"));
    if (!back.empty() && std::find(registered.begin(), registered.end(), back) != registered.end()) {
      AuthorizeRequest a;
      a.redirect_uri = back;
      a.state = state.size() > 2048 ? "" : state;
      return RedirectTo(a, {});
    }
    return Page(200, std::string("<p>You are signed out.</p>") +
                         (back.empty() ? "" : "<p>The page to return to, " + HtmlEscape(back) +
                                                  ", is not a registered redirect URI: close this page.</p>"),
                "");
  }

  SurfaceContext context_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, PendingCode> codes_;
  mutable std::map<std::string, RefreshGrant> refresh_;
  mutable std::map<std::string, uint64_t> spent_;  // spent refresh tokens -> family, to detect a replay
  mutable uint64_t families_ = 0;
};

}  // namespace

std::unique_ptr<Surface> MakeTokenServiceSurface(const SurfaceContext& context) {
  return std::make_unique<TokenService>(context);
}

}  // namespace openpal::api
