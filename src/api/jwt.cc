// RS256 JWT verification and the key plumbing around it (OpenSSL 3 EVP + OSSL_PARAM, no deprecated RSA_* calls).
#include "api/jwt.h"

#include <pthread.h>
#include <signal.h>

#include "api/arm_errors.h"

#include <array>
#include <cmath>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "core/guid.h"

namespace openpal::api {
namespace {

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

Status Invalid(std::string message) { return ArmStatus(ArmCode::kInvalidAuthenticationToken, std::move(message), "Authorization"); }

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

BnPtr BnFromBytes(const std::string& bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

std::string BnToBytes(const BIGNUM* bn) {
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

Result<std::pair<std::string, std::string>> RsaNE(const KeyPtr& key) {
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  if (!key || EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
      EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    BN_free(n);
    BN_free(e);
    return Status::Error(StatusCode::kCorruption, "not an RSA key");
  }
  BnPtr n_owned(n), e_owned(e);
  return std::make_pair(BnToBytes(n), BnToBytes(e));
}

// A JSON number claim (exp, nbf) as whole seconds, or nullopt when absent or not a finite number.
std::optional<int64_t> NumericClaim(const nlohmann::json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end() || !it->is_number()) return std::nullopt;
  double v = it->get<double>();
  if (!std::isfinite(v) || v < 0 || v > 1e11) return std::nullopt;  // beyond year 5000: not a real token
  return static_cast<int64_t>(v);
}

std::optional<std::string> StringClaim(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;  // no encoder ends with a lone 6-bit group
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = DecodeChar(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero: otherwise several texts decode to the same bytes, and a token could be altered
  // without touching what the signature covers.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

KeyPtr AdoptKey(EVP_PKEY* raw) { return KeyPtr(raw, [](EVP_PKEY* k) { EVP_PKEY_free(k); }); }

Result<KeyPtr> GenerateRsaKey(int bits) {
  EVP_PKEY* raw = EVP_RSA_gen(static_cast<unsigned>(bits));
  if (!raw) return Status::Error(StatusCode::kInternal, "OpenSSL could not generate an RSA key");
  return AdoptKey(raw);
}

Result<std::string> PrivateKeyToPem(const KeyPtr& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (!bio) return Status::Error(StatusCode::kInternal, "out of memory");
  std::string out;
  if (PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    out.assign(data, static_cast<size_t>(len));
  }
  BIO_free(bio);
  if (out.empty()) return Status::Error(StatusCode::kCorruption, "could not write the private key as PEM");
  return out;
}

Result<KeyPtr> PrivateKeyFromPem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return Status::Error(StatusCode::kInternal, "out of memory");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!raw) return Status::Error(StatusCode::kCorruption, "not a PEM private key");
  if (EVP_PKEY_get_base_id(raw) != EVP_PKEY_RSA) {
    EVP_PKEY_free(raw);
    return Status::Error(StatusCode::kCorruption, "the private key is not an RSA key");
  }
  return AdoptKey(raw);
}

Result<KeyPtr> RsaPublicKeyFromJwk(std::string_view n_b64url, std::string_view e_b64url) {
  auto n_bytes = Base64UrlDecode(n_b64url);
  auto e_bytes = Base64UrlDecode(e_b64url);
  if (!n_bytes || !e_bytes || n_bytes->empty() || e_bytes->empty() || e_bytes->size() > 8)
    return Status::Error(StatusCode::kCorruption, "n and e must be base64url big-endian integers");
  BnPtr n = BnFromBytes(*n_bytes), e = BnFromBytes(*e_bytes);
  if (!n || !e) return Status::Error(StatusCode::kInternal, "out of memory");
  if (BN_num_bits(n.get()) < 2048 || BN_num_bits(n.get()) > 8192)
    return Status::Error(StatusCode::kCorruption, "RSA modulus must have 2048 to 8192 bits, has " + std::to_string(BN_num_bits(n.get())));
  if (!BN_is_odd(e.get()) || BN_is_one(e.get())) return Status::Error(StatusCode::kCorruption, "RSA exponent must be odd and > 1");

  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  EVP_PKEY* raw = nullptr;
  bool ok = bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1 &&
            (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
            (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)) != nullptr &&
            EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx, &raw, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  if (!ok || !raw) {
    EVP_PKEY_free(raw);
    return Status::Error(StatusCode::kCorruption, "OpenSSL refused the RSA public key");
  }
  return AdoptKey(raw);
}

Result<std::string> PublicJwk(const KeyPtr& key, const std::string& kid) {
  auto ne = RsaNE(key);
  if (!ne.ok()) return ne.status();
  nlohmann::json jwk = {{"kty", "RSA"},
                        {"use", "sig"},
                        {"alg", "RS256"},
                        {"kid", kid},
                        {"n", Base64UrlEncode(ne->first)},
                        {"e", Base64UrlEncode(ne->second)}};
  return jwk.dump();
}

Result<std::string> JwkThumbprint(const KeyPtr& key) {
  auto ne = RsaNE(key);
  if (!ne.ok()) return ne.status();
  // RFC 7638: required members only, lexicographic order, no whitespace.
  std::string canonical = "{\"e\":\"" + Base64UrlEncode(ne->second) + "\",\"kty\":\"RSA\",\"n\":\"" +
                          Base64UrlEncode(ne->first) + "\"}";
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1)
    return Status::Error(StatusCode::kInternal, "SHA-256 failed");
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), len));
}

Result<std::string> SignRs256(std::string_view header_json, std::string_view payload_json, const KeyPtr& key) {
  std::string signing_input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(payload_json);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t sig_len = 0;
  std::string sig;
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &sig_len, reinterpret_cast<const unsigned char*>(signing_input.data()),
                           signing_input.size()) == 1;
  if (ok) {
    sig.resize(sig_len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len,
                        reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) == 1;
    sig.resize(sig_len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return Status::Error(StatusCode::kInternal, "RS256 signing failed");
  return signing_input + "." + Base64UrlEncode(sig);
}

bool IssuerRule::Accepts(std::string_view iss, std::string_view tid) const {
  static constexpr std::string_view kTenantPlaceholder = "{tenantid}";
  for (const auto& e : exact) {
    if (iss == e) return true;
    // A multi-tenant issuer template: exactly the template with the token's own tid in place of the placeholder.
    size_t at = e.find(kTenantPlaceholder);
    if (at != std::string::npos && !tid.empty() &&
        iss == e.substr(0, at) + std::string(tid) + e.substr(at + kTenantPlaceholder.size()))
      return true;
  }
  if (dev_authority) {
    for (std::string_view scheme : {"https://", "http://"}) {
      if (iss.substr(0, scheme.size()) != scheme) continue;
      std::string_view rest = iss.substr(scheme.size());
      size_t slash = rest.find('/');
      if (slash != std::string_view::npos && slash > 0 && rest.substr(slash) == "/adfs") return true;
    }
  }
  if (entra) {
    std::string t(tid);
    if (iss == "https://sts.windows.net/" + t + "/") return true;
    if (iss == "https://login.microsoftonline.com/" + t + "/v2.0") return true;
  }
  return false;
}

std::vector<std::string> DefaultAudiences() {
  return {"https://management.azure.com/", "https://management.azure.com", "https://management.core.windows.net/"};
}

TokenVerifier::TokenVerifier(std::vector<std::string> audiences, std::chrono::seconds skew, size_t cache_capacity)
    : audiences_(std::move(audiences)), skew_micros_(skew.count() * 1000000), cache_capacity_(cache_capacity) {}

Status TokenVerifier::AddKey(const std::string& kid, KeyPtr key, IssuerRule rule) {
  if (kid.empty()) return Status::Error(StatusCode::kCorruption, "a signing key needs a kid");
  std::unique_lock lock(keys_mutex_);
  if (keys_.count(kid)) return Status::Error(StatusCode::kCorruption, "kid '" + kid + "' is already trusted");
  keys_.emplace(kid, TrustedKey{std::move(key), std::make_shared<const IssuerRule>(std::move(rule)), -1});
  return Status::Ok();
}

size_t TokenVerifier::key_count() const {
  std::shared_lock lock(keys_mutex_);
  return keys_.size();
}

Status TokenVerifier::AddJwks(std::string_view jwks_json, const std::string& origin) {
  auto keys = ParseJwks(jwks_json, origin);
  if (!keys.ok()) return keys.status();
  IssuerRule entra;
  entra.entra = true;
  for (auto& [kid, key] : *keys)
    if (Status s = AddKey(kid, key, entra); !s.ok()) return Status::Error(StatusCode::kCorruption, s.message(), origin);
  return Status::Ok();
}

Status TokenVerifier::AddKeySource(KeySource source, std::string_view initial_jwks) {
  auto keys = ParseJwks(initial_jwks, source.origin);
  if (!keys.ok()) return keys.status();
  auto rule = std::make_shared<const IssuerRule>(source.rule);
  int index = static_cast<int>(sources_.size());
  {
    std::unique_lock lock(keys_mutex_);
    for (const auto& entry : *keys)
      if (keys_.count(entry.first))
        return Status::Error(StatusCode::kCorruption, "kid '" + entry.first + "' is already trusted", source.origin);
    for (auto& [kid, key] : *keys) keys_.emplace(kid, TrustedKey{key, rule, index});
  }
  auto state = std::make_unique<RefreshState>();
  state->source = std::move(source);
  RefreshState* raw = state.get();
  sources_.push_back(std::move(state));
  raw->worker = std::thread([this, raw, index] {
    // Process signals (pal serve's SIGTERM) are for the threads that wait for them, never for this one.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    std::unique_lock lock(raw->mutex);
    while (!raw->stop) {
      raw->wake.wait_for(lock, raw->source.period, [raw] { return raw->wanted || raw->stop; });
      if (raw->stop) break;
      raw->wanted = false;
      lock.unlock();
      Refetch(*raw, index);
      lock.lock();
    }
  });
  return Status::Ok();
}

std::optional<TokenVerifier::TrustedKey> TokenVerifier::FindKey(const std::string& kid) const {
  std::shared_lock lock(keys_mutex_);
  auto it = keys_.find(kid);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

TokenVerifier::~TokenVerifier() {
  for (auto& state : sources_) {
    {
      std::lock_guard lock(state->mutex);
      state->stop = true;
    }
    state->wake.notify_all();
    if (state->worker.joinable()) state->worker.join();
  }
}

void TokenVerifier::RefreshFor(const std::string& kid, Timestamp now) const {
  (void)kid;  // every source is asked: a kid does not say whose it is
  for (const auto& state : sources_) {
    std::lock_guard lock(state->mutex);
    int64_t interval = static_cast<int64_t>(state->source.min_interval.count()) * 1000000;
    if (state->wanted ||
        (state->last && now.micros >= state->last->micros && now.micros - state->last->micros < interval))
      continue;
    state->last = now;
    state->wanted = true;
    state->wake.notify_one();
  }
}

void TokenVerifier::Refetch(const RefreshState& state, int index) {
  const KeySource& source = state.source;
  auto text = source.fetch ? source.fetch() : Result<std::string>(Status::Error(StatusCode::kUnavailable, "no fetcher"));
  auto keys = text.ok() ? ParseJwks(*text, source.origin) : Result<std::vector<std::pair<std::string, KeyPtr>>>(text.status());
  if (!keys.ok()) {
    // The keys already trusted stay: a provider that is briefly unreachable must not sign everyone out.
    if (source.report) source.report(keys.status());
    return;
  }
  auto rule = std::make_shared<const IssuerRule>(source.rule);
  size_t skipped = 0;
  {
    std::unique_lock lock(keys_mutex_);
    for (auto it = keys_.begin(); it != keys_.end();)
      it = it->second.source == index ? keys_.erase(it) : std::next(it);
    for (auto& [new_kid, key] : *keys) {
      if (keys_.count(new_kid)) {  // another source's (or a fixed) key: never let one provider replace another's
        ++skipped;
        continue;
      }
      keys_.emplace(new_kid, TrustedKey{key, rule, index});
    }
  }
  if (source.report)
    source.report(skipped == 0 ? Status::Ok()
                               : Status::Error(StatusCode::kCorruption,
                                               std::to_string(skipped) + " kid(s) already trusted from elsewhere, skipped",
                                               source.origin));
}

Result<std::vector<std::pair<std::string, KeyPtr>>> ParseJwks(std::string_view jwks_json, const std::string& origin) {
  auto doc = nlohmann::json::parse(jwks_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return Status::Error(StatusCode::kCorruption, "expected a JSON object with a \"keys\" array", origin);
  std::vector<std::pair<std::string, KeyPtr>> out;
  for (size_t i = 0; i < doc["keys"].size(); ++i) {
    const auto& k = doc["keys"][i];
    std::string where = "$.keys[" + std::to_string(i) + "]";
    if (!k.is_object()) return Status::Error(StatusCode::kCorruption, "a key must be an object", origin + ": " + where);
    if (StringClaim(k, "kty").value_or("") != "RSA") continue;              // EC/oct keys: never used for RS256
    if (auto use = StringClaim(k, "use"); use && *use != "sig") continue;  // encryption keys
    auto kid = StringClaim(k, "kid");
    auto n = StringClaim(k, "n");
    auto e = StringClaim(k, "e");
    if (!kid || kid->empty() || !n || !e)
      return Status::Error(StatusCode::kCorruption, "an RSA key needs string kid, n and e", origin + ": " + where);
    auto key = RsaPublicKeyFromJwk(*n, *e);
    if (!key.ok()) return Status::Error(StatusCode::kCorruption, key.status().message(), origin + ": " + where);
    for (const auto& entry : out)
      if (entry.first == *kid)
        return Status::Error(StatusCode::kCorruption, "kid '" + *kid + "' is already trusted", origin + ": " + where);
    out.emplace_back(*kid, *key);
  }
  if (out.empty()) return Status::Error(StatusCode::kCorruption, "no RSA signing key in the document", origin);
  return out;
}

Result<VerifiedToken> TokenVerifier::Verify(std::string_view token, Timestamp now) const {
  if (token.size() > kMaxTokenLength) return Invalid("The access token is too long.");
  std::string key(token);
  CacheShard& shard = cache_[std::hash<std::string>{}(key) % cache_.size()];
  {
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.tokens.find(key);
    if (it != shard.tokens.end()) {
      if (now.micros <= it->second.expires.micros + skew_micros_) return it->second;
      shard.tokens.erase(it);
      return ArmStatus(ArmCode::kExpiredAuthenticationToken, "The access token has expired.", "Authorization");
    }
  }
  auto verified = VerifyUncached(token, now);
  if (verified.ok()) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    // Crude but bounded; the shard refills with live tokens.
    if (shard.tokens.size() >= cache_capacity_ / cache_.size() + 1) shard.tokens.clear();
    shard.tokens.emplace(std::move(key), *verified);
  }
  return verified;
}

Result<SignedJwt> VerifyRs256Jwt(std::string_view token,
                                 const std::function<KeyPtr(const std::string& kid)>& key_for_kid) {
  if (token.size() > kMaxTokenLength) return Invalid("The token is too long.");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return Invalid("The access token is not a JWT (expected header.payload.signature).");
  std::string_view header_b64 = token.substr(0, dot1);
  std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view sig_b64 = token.substr(dot2 + 1);
  auto header_text = Base64UrlDecode(header_b64);
  auto payload_text = Base64UrlDecode(payload_b64);
  auto signature = Base64UrlDecode(sig_b64);
  if (!header_text || !payload_text || !signature)
    return Invalid("The access token is not valid base64url.");
  auto header = nlohmann::json::parse(*header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return Invalid("The access token's header or payload is not a JSON object.");

  auto alg = StringClaim(header, "alg");
  if (!alg || *alg != "RS256")
    return Invalid("The access token's algorithm '" + alg.value_or("") + "' is not accepted; only RS256 is.");
  auto kid = StringClaim(header, "kid");
  if (!kid || kid->empty()) return Invalid("The access token has no key id (kid).");
  KeyPtr key = key_for_kid(*kid);
  if (!key) return Invalid("The access token's signing key is not trusted.");

  // The signature covers the exact bytes sent, so verify over the original text, not a re-encoding.
  std::string_view signing_input = token.substr(0, dot2);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool good = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
              EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                               reinterpret_cast<const unsigned char*>(signing_input.data()),
                               signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!good) return Invalid("The access token's signature is invalid.");
  return SignedJwt{std::move(*header_text), std::move(*payload_text), std::move(*kid)};
}

Result<VerifiedToken> TokenVerifier::VerifyUncached(std::string_view token, Timestamp now) const {
  std::optional<TrustedKey> found;
  auto signed_jwt = VerifyRs256Jwt(token, [&](const std::string& kid) -> KeyPtr {
    found = FindKey(kid);
    // An unknown kid may be a provider's new key (rotation): ask for a refetch of the JWKS (rate-limited, on the
    // sources' threads) and refuse this token now; the client's retry finds the key once it is fetched.
    if (!found && !sources_.empty()) RefreshFor(kid, now);
    return found ? found->key : nullptr;
  });
  if (!signed_jwt.ok()) return signed_jwt.status();
  const TrustedKey& trusted = *found;
  auto payload = nlohmann::json::parse(signed_jwt->payload_json, nullptr, false);
  if (payload.is_discarded() || !payload.is_object())
    return Invalid("The access token's header or payload is not a JSON object.");

  auto exp = NumericClaim(payload, "exp");
  if (!exp) return Invalid("The access token has no valid expiry (exp).");
  int64_t now_s = now.micros / 1000000;
  int64_t skew_s = skew_micros_ / 1000000;
  if (*exp + skew_s < now_s)
    return ArmStatus(ArmCode::kExpiredAuthenticationToken,
                         "The access token expiry UTC time '" + FormatIsoTime(Timestamp::FromSeconds(*exp)) +
                             "' is earlier than current UTC time '" + FormatIsoTime(Timestamp::FromSeconds(now_s)) +
                             "'.",
                         "Authorization");
  if (payload.contains("nbf")) {
    auto nbf = NumericClaim(payload, "nbf");
    if (!nbf) return Invalid("The access token's nbf is not a number.");
    if (*nbf - skew_s > now_s) return Invalid("The access token is not valid yet (nbf).");
  }

  bool audience_ok = false;
  auto aud_it = payload.find("aud");
  auto accepted = [&](const nlohmann::json& a) {
    if (!a.is_string()) return false;
    for (const auto& want : audiences_)
      if (a.get_ref<const std::string&>() == want) return true;
    for (const auto& want : trusted.rule->audiences)
      if (a.get_ref<const std::string&>() == want) return true;
    return false;
  };
  if (aud_it != payload.end()) {
    if (aud_it->is_array()) {
      for (const auto& a : *aud_it) audience_ok = audience_ok || accepted(a);
    } else {
      audience_ok = accepted(*aud_it);
    }
  }
  if (!audience_ok) return Invalid("The access token has an invalid audience (aud).");

  auto tid_raw = StringClaim(payload, "tid");
  auto oid_raw = StringClaim(payload, "oid");
  auto tid = tid_raw ? NormalizeGuid(*tid_raw) : std::nullopt;
  auto oid = oid_raw ? NormalizeGuid(*oid_raw) : std::nullopt;
  if (!tid) return Invalid("The access token has no tenant id (tid).");
  if (!oid) return Invalid("The access token has no object id (oid).");
  auto iss = StringClaim(payload, "iss");
  // Entra writes the tid into iss exactly as in the tid claim; compare with the claim as sent.
  if (!iss || !trusted.rule->Accepts(*iss, *tid_raw)) return Invalid("The access token is from an untrusted issuer.");

  return VerifiedToken{*tid, *oid, *iss, Timestamp::FromSeconds(*exp)};
}

}  // namespace openpal::api
