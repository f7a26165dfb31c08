// Fuzzes bearer-token handling (src/api/jwt.cc). The first byte picks the part:
//   0: TokenVerifier::Verify on the rest as a compact JWT (parsing, base64url, header JSON, kid; the signature of a
//      made-up token never verifies);
//   1: the rest is "header JSON\npayload JSON", signed by the harness's own trusted key, then verified: the claim
//      checks (alg, kid, exp, nbf, aud, iss, tid, oid) on any JSON the fuzzer writes;
//   2: TokenVerifier::AddJwks on the rest as a JWKS document;
//   3: base64url: decoding any text, and encoding then decoding any bytes, which must round-trip.
#include <cstdint>
#include <string>
#include <string_view>

#include "api/jwt.h"
#include "fuzz_util.h"

using namespace openpal;
using namespace openpal::api;

namespace {

// 2026-12-01T00:00:00Z: a fixed "now" so that a finding reproduces.
constexpr Timestamp kNow = Timestamp::FromSeconds(1796083200);

struct Keys {
  KeyPtr signer;
  TokenVerifier verifier;
  Keys() : verifier(DefaultAudiences(), std::chrono::minutes(5), /*cache_capacity=*/64) {
    // 512 bits: signing runs on every input of mode 1, and RSA-2048 signing would cut the rate ~30-fold. The verifier
    // checks the signature the same way whatever the size (only JWKS keys have a minimum size).
    auto key = GenerateRsaKey(512);
    if (!key.ok()) fuzz::Violated("cannot generate the harness key");
    signer = *key;
    IssuerRule rule;
    rule.entra = true;
    rule.exact.push_back("https://openpal.local/dev-issuer/");
    if (!verifier.AddKey("fuzz", signer, rule).ok()) fuzz::Violated("cannot trust the harness key");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static Keys keys;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto verified = keys.verifier.Verify(rest, kNow);
      if (verified.ok()) fuzz::Violated("a token not signed by the harness verified");
      break;
    }
    case 1: {
      size_t nl = rest.find('\n');
      if (nl == std::string_view::npos) return 0;
      auto token = SignRs256(rest.substr(0, nl), rest.substr(nl + 1), keys.signer);
      if (!token.ok()) return 0;
      auto verified = keys.verifier.Verify(*token, kNow);
      if (verified.ok() && (verified->tenant_id.size() != 36 || verified->object_id.size() != 36))
        fuzz::Violated("a verified token's tid or oid is not a canonical GUID");
      break;
    }
    case 2: {
      TokenVerifier verifier;
      (void)verifier.AddJwks(rest, "jwks.json");
      break;
    }
    default: {
      if (auto decoded = Base64UrlDecode(rest)) {
        auto again = Base64UrlDecode(Base64UrlEncode(*decoded));
        if (!again || *again != *decoded) fuzz::Violated("base64url: decode(encode(decode(x))) != decode(x)");
      }
      auto back = Base64UrlDecode(Base64UrlEncode(rest));
      if (!back || *back != rest) fuzz::Violated("base64url: decode(encode(bytes)) != bytes");
      break;
    }
  }
  return 0;
}
