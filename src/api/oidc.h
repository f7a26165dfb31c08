// Trust in an OpenID Connect provider (`pal serve --oidc-authority URL --oidc-client-id ID`): its discovery document
// and JWKS fetched at start-up, its keys trusted for exactly its issuer and refreshed when it rotates them. The portal
// signs in against the same provider (portal_surface.cc serves it the settings). See docs/api.md "OpenID Connect".
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "api/jwt.h"
#include "core/status.h"

namespace openpal::api {

// How `pal serve` was told to reach the provider.
struct OidcSettings {
  std::string authority;            // e.g. https://login.microsoftonline.com/{tenant}/v2.0 (no trailing slash needed)
  std::string client_id;            // the portal's app (client) ID: the audience of its tokens
  std::string ca_file;              // PEM bundle trusted for the provider's HTTPS ("" = the system's trust store)
  std::vector<std::string> scopes;  // API scopes the portal asks for (empty: the portal sends its ID token)
  std::chrono::seconds refresh_interval{300};  // at most one JWKS refetch per interval (unknown kids)
};

// The parts of a discovery document (OpenID Connect Discovery 1.0 §3) openpal uses.
struct OidcMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string end_session_endpoint;  // optional ("" when the provider has none)
};

// GETs a URL's body; errors say why (unreachable, TLS, status, too large).
using HttpGet = std::function<Result<std::string>(const std::string& url)>;

// OK when `url` may be fetched for `what`: https://, or http:// to a loopback host (127.0.0.0/8, ::1, localhost),
// since anything on the path could otherwise swap the keys.
Status CheckProviderUrl(const std::string& url, const std::string& what);

// The scheme, host and port of a URL ("https://login.microsoftonline.com"), lowercased; "" when it has none.
std::string UrlOrigin(const std::string& url);

// GET over HTTPS (certificates verified against the system trust store, or `ca_file`) or loopback HTTP; no redirects
// followed, bodies over 1 MiB refused, 10 s timeouts.
HttpGet MakeHttpGet(std::string ca_file);

// The discovery URL of an authority: authority + "/.well-known/openid-configuration".
std::string DiscoveryUrl(const std::string& authority);

// Parses a discovery document fetched for `authority`. Its issuer must be the authority itself (Discovery §4.3; a
// trailing "/" aside) or a "{tenantid}" template of it (Entra ID's multi-tenant authorities), and every endpoint must
// pass CheckProviderUrl. `origin` names the document in errors.
Result<OidcMetadata> ParseDiscovery(std::string_view json, const std::string& authority, const std::string& origin);

// A provider openpal trusts: its settings and discovered metadata. Immutable once connected.
class OidcProvider {
 public:
  // Fetches the discovery document and the JWKS with `get`, and trusts the keys in `verifier` for the provider's
  // issuer and the audiences client ID + the verifier's own, refreshing them on an unknown kid (`report` is told of
  // each refresh). Errors name the flag, the URL and what was wrong.
  static Result<OidcProvider> Connect(const OidcSettings& settings, const HttpGet& get, TokenVerifier& verifier,
                                      std::function<void(const Status&)> report = {});

  const OidcSettings& settings() const { return settings_; }
  const OidcMetadata& metadata() const { return metadata_; }

  // The origins a browser signing in contacts with fetch (discovery, token endpoint): the portal's CSP connect-src.
  std::vector<std::string> BrowserOrigins() const;

 private:
  OidcSettings settings_;
  OidcMetadata metadata_;
};

}  // namespace openpal::api
