// The development token issuer: one local RSA key beside the database, trusted by `pal serve --dev-issuer`
// and used by `pal token` to mint tokens, so demos and tests need no Entra ID. See docs/api.md "Dev issuer".
#pragma once

#include <string>

#include "api/jwt.h"
#include "core/status.h"

namespace openpal::api {

// The `iss` every dev-issued token carries; the server accepts it only for the dev key.
inline constexpr const char* kDevIssuer = "https://openpal.local/dev-issuer/";

// The client ID of the portal at the development token service (/adfs), its one registered public client.
inline constexpr const char* kDevPortalClientId = "openpal-portal";

class DevIssuer {
 public:
  // The key file for a database: "<db_path>.dev-issuer.pem"; for a PostgreSQL URI, "openpal-<hash of the URI>.dev-issuer.pem"
  // in the current folder.
  static std::string KeyPathFor(const std::string& db_path);

  // Loads the key at `key_path`, creating it first (RSA-2048, mode 0600, atomically: concurrent callers end up
  // with the same key) when it does not exist.
  static Result<DevIssuer> LoadOrCreate(const std::string& key_path);

  // The key id: the RFC 7638 thumbprint of the public key, so it changes exactly when the key does.
  const std::string& kid() const { return kid_; }
  const KeyPtr& key() const { return key_; }

  // Trusts this issuer's key (for kDevIssuer only) in `verifier`.
  Status TrustIn(TokenVerifier& verifier) const;

  // A token for principal `object_id` of `tenant_id`, valid from now for `ttl_seconds`, audience
  // https://management.azure.com/. Both IDs must be GUIDs.
  Result<std::string> Mint(const std::string& tenant_id, const std::string& object_id, int64_t ttl_seconds,
                           const std::string& audience = "https://management.azure.com/") const;

  // Signs `payload_json` (used verbatim) as an RS256 JWT under this key's kid: the token service's tokens.
  Result<std::string> SignClaims(std::string_view payload_json) const;

  // The public JWKS document of this key ({"keys":[jwk]}), as the token service's jwks_uri serves it.
  Result<std::string> Jwks() const;

 private:
  KeyPtr key_;
  std::string kid_;
};

}  // namespace openpal::api
