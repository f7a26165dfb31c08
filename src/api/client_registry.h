// Client credentials of the directory's service principals for the development token service (token_service.cc):
// client secrets, kept only as salted PBKDF2 hashes, and RSA public keys for client assertions (RFC 7523). They live
// in the store's settings ("client-credential/{client_id}/{n}"), so no store backend needs anything new.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/jwt.h"
#include "core/status.h"
#include "core/time.h"

namespace openpal {
class Store;
}

namespace openpal::api {

// The service principal a credential belongs to. `client_id` is what clients send as client_id (az's
// --username): the principal's appId, or its object ID when the directory knows no appId.
struct ClientPrincipal {
  std::string client_id;
  std::string tenant_id;
  std::string object_id;
};

// What `pal credential add` reports; `secret` is set for a new secret and shown once, never stored.
struct NewCredential {
  ClientPrincipal principal;
  std::string credential_id;  // a GUID naming the credential
  std::string secret;         // client secret (secrets only)
  std::string key_id;         // the key's RFC 7638 thumbprint (keys only)
};

// The audience a federated credential's assertion carries by default in Entra ID.
inline constexpr const char* kTokenExchangeAudience = "api://AzureADTokenExchange";

// PBKDF2-HMAC-SHA256 iterations for new secrets. A secret is 256 random bits, so its strength is its entropy, not
// the stretching; the count keeps a stolen store's hashes costly to test and bounds the work a token request costs
// (about 25 ms of CPU per check on the 2-core dev machine).
inline constexpr int kSecretIterations = 100000;

// Creates a client secret for service principal (tenant, object), which must exist and be enabled in the
// directory at `now`. InvalidArgument for IDs that are not GUIDs; NotFound / FailedPrecondition otherwise.
Result<NewCredential> AddClientSecret(Store& store, const std::string& tenant, const std::string& object, Timestamp now);
// Registers an RSA public key (PEM: a public key, or a private key whose public half alone is kept) for client
// assertions of service principal (tenant, object).
Result<NewCredential> AddClientKey(Store& store, const std::string& tenant, const std::string& object,
                                   std::string_view pem, Timestamp now);

// The principal whose client secret `secret` is, among `client_id`'s credentials; Unauthenticated when none is
// (the same answer for an unknown client and a wrong secret). Compares in constant time.
Result<ClientPrincipal> AuthenticateClientSecret(Store& store, const std::string& client_id, const std::string& secret);

// The principal a client assertion (an RS256 JWT) authenticates for `client_id`: signed by one of its registered
// keys (the header's kid), `exp` not passed and `nbf` reached (5 minutes of skew), `aud` one of `audiences`, and
// its subject the client: `sub` equal to client_id, or `tid`/`oid` the principal's (a `pal token` token).
// Unauthenticated with the reason otherwise.
Result<ClientPrincipal> AuthenticateClientAssertion(Store& store, const std::string& client_id,
                                                    std::string_view assertion,
                                                    const std::vector<std::string>& audiences, Timestamp now);

}  // namespace openpal::api
