// OAuth 2.0 client-credentials tokens from an Entra-ID-shaped authority ({authority}/{tenant}/oauth2/v2.0/token),
// with a client secret or a certificate (a signed client assertion: RS256 JWT carrying the certificate's x5t).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "collect/http_fetch.h"
#include "core/status.h"

namespace openpal::collect {

inline constexpr const char* kGraphScope = "https://graph.microsoft.com/.default";
inline constexpr const char* kArmScope = "https://management.azure.com/.default";

struct ClientCredentials {
  std::string authority = "https://login.microsoftonline.com";  // no trailing slash
  std::string client_id;
  std::string client_secret;    // one of these two
  std::string certificate_pem;  // the private key and its certificate, PEM, in one file (as Azure CLI takes it)
};

// The client assertion for `token_url`: a JWT signed RS256 with the certificate's key, header x5t = base64url of
// the certificate's SHA-1 thumbprint, claims aud = token_url, iss = sub = client_id, jti, nbf, iat, exp (+10 min).
// Errors: Corruption (no key, no certificate, key not RSA, key and certificate do not match).
Result<std::string> MakeClientAssertion(const std::string& certificate_pem, const std::string& client_id,
                                        const std::string& token_url, int64_t now_seconds);

// Hands out bearer tokens per (tenant, scope), fetched once and reused until five minutes before they expire.
// Thread-safe.
class TokenSource {
 public:
  TokenSource(ClientCredentials credentials, HttpFetcher& fetcher);

  // A token for `scope` in `tenant`. Errors: Unauthenticated with the authority's error code and description
  // (AADSTS... text as sent), or the fetcher's connection errors. A failure is remembered for the run: the
  // authority is not asked again for every kind of a tenant it refused (or that stayed throttled).
  Result<std::string> Get(const std::string& tenant, const std::string& scope);

  // Forgets the cached token for (tenant, scope): the service refused it (401), so the next Get fetches anew.
  void Invalidate(const std::string& tenant, const std::string& scope);

 private:
  Result<std::string> Fetch(const std::string& tenant, const std::string& scope);  // with mutex_ held

  struct Cached {
    std::string token;
    std::chrono::steady_clock::time_point refresh_at;
  };
  ClientCredentials credentials_;
  HttpFetcher& fetcher_;
  std::mutex mutex_;
  std::map<std::string, Cached> cache_;
  std::map<std::string, Status> failed_;
};

}  // namespace openpal::collect
