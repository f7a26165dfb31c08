// Bearer-token verification for the link API: base64url, strict JWT parsing, RS256 with OpenSSL 3, JWKS keys.
// The rules (RS256 only, kid selects the key, exp/nbf with skew, aud, iss, tid, oid) are in
// docs/spec-link-api.md "Who is calling"; docs/api.md explains the choices made here.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <openssl/types.h>

#include "core/encoding.h"
#include "core/status.h"
#include "core/time.h"

namespace openpal::api {

// Tokens longer than this are refused before any decoding (Entra tokens are 1-4 KB).
inline constexpr size_t kMaxTokenLength = 16 * 1024;

// base64url without padding, as JWTs use it.
using ::openpal::Base64UrlEncode;  // core/encoding.h
// Decodes base64url (padding tolerated, nothing else); nullopt on any character outside the alphabet or a
// length no encoder produces.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// A shared, immutable OpenSSL key (public, or private for signers).
using KeyPtr = std::shared_ptr<EVP_PKEY>;
// Takes ownership of `raw` (may be null).
KeyPtr AdoptKey(EVP_PKEY* raw);

// A fresh RSA key pair of `bits` bits.
Result<KeyPtr> GenerateRsaKey(int bits = 2048);
// PEM (PKCS#8) text of a private key, and back.
Result<std::string> PrivateKeyToPem(const KeyPtr& key);
Result<KeyPtr> PrivateKeyFromPem(std::string_view pem);
// The RSA public key with modulus n and exponent e given as base64url big-endian bytes (a JWK's n and e).
Result<KeyPtr> RsaPublicKeyFromJwk(std::string_view n_b64url, std::string_view e_b64url);
// The public JWK of an RSA key: {"kty":"RSA","use":"sig","alg":"RS256","kid":kid,"n":...,"e":...}, compact JSON.
Result<std::string> PublicJwk(const KeyPtr& key, const std::string& kid);
// RFC 7638 thumbprint (base64url SHA-256 of the canonical {"e","kty","n"} JSON) of an RSA key: a stable kid.
Result<std::string> JwkThumbprint(const KeyPtr& key);

// Signs header.payload with RS256 and returns the compact JWT. `header_json` and `payload_json` are used verbatim,
// so tests can craft any header (the verifier, not the signer, enforces the rules).
Result<std::string> SignRs256(std::string_view header_json, std::string_view payload_json, const KeyPtr& key);

// The header and payload (JSON text, not yet parsed) of a compact JWT whose RS256 signature verified with the key
// `key_for_kid` returns for its header's kid. Checks the shape, strict base64url, `alg` RS256 and the signature only:
// no claim. Errors are Unauthenticated (InvalidAuthenticationToken) with a message safe to return.
struct SignedJwt {
  std::string header_json;
  std::string payload_json;
  std::string kid;
};
Result<SignedJwt> VerifyRs256Jwt(std::string_view token, const std::function<KeyPtr(const std::string& kid)>& key_for_kid);

// Which `iss` values a key may vouch for, and which audiences its tokens may carry besides the verifier's.
struct IssuerRule {
  // Entra ID: "https://sts.windows.net/{tid}/" or "https://login.microsoftonline.com/{tid}/v2.0", tid the token's.
  bool entra = false;
  // Exact issuer strings (the dev issuer's, an OpenID provider's). "{tenantid}" in one stands for the token's tid, as
  // in the issuer of Entra ID's multi-tenant discovery document ("https://login.microsoftonline.com/{tenantid}/v2.0").
  std::vector<std::string> exact;
  // Audiences accepted for these keys' tokens in addition to the verifier's (an OpenID client ID).
  std::vector<std::string> audiences;
  // openpal's development token service: "http(s)://{host}/adfs", the issuer its discovery document names (the host
  // is the one the client reached it by, so it is not known in advance). Only for the dev issuer's own key.
  bool dev_authority = false;
  bool Accepts(std::string_view iss, std::string_view tid) const;
};

// The RSA signing keys of a JWKS document ({"keys":[...]}), by kid; `origin` names the document in errors. Keys other
// than RSA signing keys are skipped; a document with no usable key is an error.
Result<std::vector<std::pair<std::string, KeyPtr>>> ParseJwks(std::string_view jwks_json, const std::string& origin);

// A JWKS document that can be fetched again, on a thread of the verifier's own (never the caller's: verification runs
// on the server's event loop, and a fetch may take its 10 s timeout): when a token names a kid no trusted key has (the
// provider rotated its keys), at most once per `min_interval`, and every `period` regardless, so that keys a provider
// publishes ahead of using them are trusted before the first token needs them. After a fetch the verifier trusts
// exactly the keys the document lists.
struct KeySource {
  std::string origin;                               // the jwks_uri, for messages
  IssuerRule rule;                                  // what its keys vouch for
  std::function<Result<std::string>()> fetch;       // the document's text
  std::chrono::seconds min_interval{300};           // between two fetches (unknown kids cost nothing more)
  std::chrono::seconds period{3600};                // between two fetches when no unknown kid asks for one
  std::function<void(const Status&)> report;        // told of each refresh's outcome (may be empty)
};

// What a verified token says about its caller; only ever built from a token whose signature and claims passed.
struct VerifiedToken {
  std::string tenant_id;   // tid, canonical lowercase GUID
  std::string object_id;   // oid, canonical lowercase GUID
  std::string issuer;
  Timestamp expires;       // exp
};

// The audiences accepted by default (link-api.md).
std::vector<std::string> DefaultAudiences();

// Verifies bearer tokens against a fixed set of keys. Thread-safe; keeps a bounded cache of tokens already
// verified (keyed by the exact token text, good until their exp), so a client reusing its token pays for RSA once.
class TokenVerifier {
 public:
  explicit TokenVerifier(std::vector<std::string> audiences = DefaultAudiences(),
                         std::chrono::seconds skew = std::chrono::minutes(5), size_t cache_capacity = 4096);
  // Stops the key sources' fetch threads (waiting for a fetch in flight, at most its timeout).
  ~TokenVerifier();
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  // Trusts every RSA signing key of a JWKS document ({"keys":[...]}) for Entra issuers; `origin` names the file in
  // errors. Keys other than RSA signing keys are skipped; a document with no usable key is an error.
  Status AddJwks(std::string_view jwks_json, const std::string& origin);
  // Trusts `key` under `kid` for the issuers `rule` accepts (a kid already trusted is an error).
  Status AddKey(const std::string& kid, KeyPtr key, IssuerRule rule);
  // Trusts the keys of `initial_jwks` (fetched from `source`) for `source.rule`, and refreshes them from `source` (on
  // a thread started here) when a token names an unknown kid, and periodically. Call before the verifier is shared
  // between threads.
  Status AddKeySource(KeySource source, std::string_view initial_jwks);
  size_t key_count() const;

  // Verifies `token` at `now`: RS256 only, a known kid, the signature, exp and nbf (with the skew), aud, iss, and
  // GUID tid and oid. Errors are Unauthenticated, refined as ArmCode::kInvalidAuthenticationToken or
  // kExpiredAuthenticationToken, with a message safe to return to the caller. Never waits for the network: a token
  // of an unknown kid is refused at once, and asks the key sources' threads for a refetch.
  Result<VerifiedToken> Verify(std::string_view token, Timestamp now) const;

 private:
  struct TrustedKey {
    KeyPtr key;
    std::shared_ptr<const IssuerRule> rule;
    int source = -1;  // index in sources_, or -1 for a key that is never refreshed
  };
  struct RefreshState {
    KeySource source;
    std::mutex mutex;                 // guards the fields below
    std::condition_variable wake;     // a fetch was asked for, or the verifier stops
    bool wanted = false;
    bool stop = false;
    std::optional<Timestamp> last;    // when the last fetch on demand was asked for (the rate limit)
    std::thread worker;               // fetches, one at a time
  };
  Result<VerifiedToken> VerifyUncached(std::string_view token, Timestamp now) const;
  std::optional<TrustedKey> FindKey(const std::string& kid) const;
  // Asks the key sources whose interval has passed for a refetch (done on their threads), for a token naming `kid`.
  void RefreshFor(const std::string& kid, Timestamp now) const;
  // Fetches source `index`'s document and trusts exactly its keys; runs on that source's thread.
  void Refetch(const RefreshState& state, int index);

  std::vector<std::string> audiences_;
  int64_t skew_micros_;
  size_t cache_capacity_;
  // Written at start-up and by RefreshFor (rarely), read by every uncached verification.
  mutable std::shared_mutex keys_mutex_;
  mutable std::map<std::string, TrustedKey, std::less<>> keys_;
  std::vector<std::unique_ptr<RefreshState>> sources_;
  // Sharded so that concurrent requests rarely wait on each other's lookups.
  struct CacheShard {
    std::mutex mutex;
    std::unordered_map<std::string, VerifiedToken> tokens;
  };
  mutable std::array<CacheShard, 16> cache_;
};

}  // namespace openpal::api
