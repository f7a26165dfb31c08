// Client secrets and keys of service principals, kept as store settings (client_registry.h).
#include "api/client_registry.h"

#include <cmath>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "core/guid.h"
#include "store/store.h"

namespace openpal::api {
namespace {

// More credentials than this under one client ID is not a development setup; it also bounds a lookup's reads.
constexpr int kMaxCredentialsPerClient = 100;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
// Secrets start with a fixed prefix: never with '-' (az would read `-p -x...` as an option), and recognisable by
// secret scanners.
constexpr std::string_view kSecretPrefix = "pal_";

std::string SettingName(const std::string& client_id, int n) {
  return "client-credential/" + AsciiLower(client_id) + "/" + std::to_string(n);
}

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return Status::Error(StatusCode::kInternal, "OpenSSL's random generator failed");
  return out;
}

Result<std::string> Pbkdf2(std::string_view secret, std::string_view salt, int iterations) {
  std::string out(kHashBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(secret.data(), static_cast<int>(secret.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha256(), static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data())) != 1)
    return Status::Error(StatusCode::kInternal, "PBKDF2 failed");
  return out;
}

// The directory's service principal (tenant, object) at `now`, with the client ID clients use for it.
Result<ClientPrincipal> ServicePrincipal(Store& store, const std::string& tenant, const std::string& object,
                                         Timestamp now) {
  auto tid = NormalizeGuid(tenant);
  auto oid = NormalizeGuid(object);
  if (!tid) return Status::Error(StatusCode::kInvalidArgument, "the tenant ID must be a GUID, got '" + tenant + "'", "--tenant");
  if (!oid) return Status::Error(StatusCode::kInvalidArgument, "the object ID must be a GUID, got '" + object + "'", "--object");
  auto fact = store.PrincipalAt(*tid, *oid, now);
  if (!fact.ok()) return fact.status();
  if (!*fact)
    return Status::Error(StatusCode::kNotFound, "no principal " + *oid + " in tenant " + *tid + " in the directory now",
                         "--object");
  const Principal& p = (*fact)->value;
  if (p.kind != PrincipalKind::kServicePrincipal)
    return Status::Error(StatusCode::kFailedPrecondition,
                         "principal " + *oid + " is a " + PrincipalKindName(p.kind) +
                             ": only service principals get client credentials (users sign in, groups do not)",
                         "--object");
  if (!p.enabled)
    return Status::Error(StatusCode::kFailedPrecondition, "service principal " + *oid + " is disabled", "--object");
  auto app_id = NormalizeGuid(p.sign_in_name);
  return ClientPrincipal{app_id ? *app_id : *oid, *tid, *oid};
}

// Stores `record` as the client's next free credential slot. PutSettingIfAbsent never overwrites, and the record
// carries a fresh credential ID, so reading the slot back tells whether this writer won it.
Status StoreCredential(Store& store, const std::string& client_id, const nlohmann::json& record) {
  std::string text = record.dump();
  for (int n = 1; n <= kMaxCredentialsPerClient; ++n) {
    std::string name = SettingName(client_id, n);
    auto existing = store.GetSetting(name);
    if (!existing.ok()) return existing.status();
    if (*existing) continue;
    if (Status s = store.PutSettingIfAbsent(name, text); !s.ok()) return s;
    auto stored = store.GetSetting(name);
    if (!stored.ok()) return stored.status();
    if (*stored && **stored == text) return Status::Ok();
  }
  return Status::Error(StatusCode::kResourceExhausted,
                       "client " + client_id + " already has " + std::to_string(kMaxCredentialsPerClient) + " credentials");
}

// Every credential record of `client_id`, in the order added.
Result<std::vector<nlohmann::json>> LoadCredentials(Store& store, const std::string& client_id) {
  std::vector<nlohmann::json> records;
  for (int n = 1; n <= kMaxCredentialsPerClient; ++n) {
    std::string name = SettingName(client_id, n);
    auto text = store.GetSetting(name);
    if (!text.ok()) return text.status();
    if (!*text) break;
    auto record = nlohmann::json::parse(**text, nullptr, false);
    if (record.is_discarded() || !record.is_object() || !record.contains("type") || !record["type"].is_string())
      return Status::Error(StatusCode::kCorruption, "a client credential record is not a JSON object with a type", name);
    records.push_back(std::move(record));
  }
  return records;
}

std::string Str(const nlohmann::json& record, const char* name) {
  auto it = record.find(name);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ClientPrincipal PrincipalOf(const nlohmann::json& record) {
  return ClientPrincipal{Str(record, "clientId"), Str(record, "tenantId"), Str(record, "objectId")};
}

Status Unauthenticated(std::string message) { return Status::Error(StatusCode::kUnauthenticated, std::move(message)); }

Result<nlohmann::json> NewRecord(const ClientPrincipal& principal, const char* type, Timestamp now, std::string& id) {
  id = NewGuid();  // names the credential; not a secret
  return nlohmann::json{{"credentialId", id},         {"type", type},
                        {"clientId", principal.client_id}, {"tenantId", principal.tenant_id},
                        {"objectId", principal.object_id}, {"created", FormatIsoTime(now)}};
}

}  // namespace

Result<NewCredential> AddClientSecret(Store& store, const std::string& tenant, const std::string& object,
                                      Timestamp now) {
  auto principal = ServicePrincipal(store, tenant, object, now);
  if (!principal.ok()) return principal.status();
  auto random = RandomBytes(32);
  auto salt = RandomBytes(kSaltBytes);
  if (!random.ok()) return random.status();
  if (!salt.ok()) return salt.status();
  NewCredential created;
  created.principal = *principal;
  created.secret = std::string(kSecretPrefix) + Base64UrlEncode(*random);
  auto hash = Pbkdf2(created.secret, *salt, kSecretIterations);
  if (!hash.ok()) return hash.status();
  auto record = NewRecord(*principal, "secret", now, created.credential_id);
  if (!record.ok()) return record.status();
  (*record)["kdf"] = "pbkdf2-hmac-sha256";
  (*record)["iterations"] = kSecretIterations;
  (*record)["salt"] = Base64UrlEncode(*salt);
  (*record)["hash"] = Base64UrlEncode(*hash);
  if (Status s = StoreCredential(store, principal->client_id, *record); !s.ok()) return s;
  return created;
}

Result<NewCredential> AddClientKey(Store& store, const std::string& tenant, const std::string& object,
                                   std::string_view pem, Timestamp now) {
  auto principal = ServicePrincipal(store, tenant, object, now);
  if (!principal.ok()) return principal.status();
  // A public key, or a private key of which only the public half is kept.
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return Status::Error(StatusCode::kInternal, "out of memory");
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  if (!raw) {
    BIO_free(bio);
    bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (!bio) return Status::Error(StatusCode::kInternal, "out of memory");
    raw = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  }
  BIO_free(bio);
  KeyPtr key = AdoptKey(raw);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
    return Status::Error(StatusCode::kInvalidArgument, "expected an RSA key in PEM (PUBLIC KEY or PRIVATE KEY)",
                         "--public-key");
  auto kid = JwkThumbprint(key);
  if (!kid.ok()) return kid.status();
  auto jwk_text = PublicJwk(key, *kid);
  if (!jwk_text.ok()) return jwk_text.status();
  auto jwk = nlohmann::json::parse(*jwk_text);
  // The same rule as for trusted JWKS keys: 2048 to 8192 bits.
  if (auto checked = RsaPublicKeyFromJwk(jwk["n"].get<std::string>(), jwk["e"].get<std::string>()); !checked.ok())
    return Status::Error(StatusCode::kInvalidArgument, checked.status().message(), "--public-key");
  NewCredential created;
  created.principal = *principal;
  created.key_id = *kid;
  auto record = NewRecord(*principal, "key", now, created.credential_id);
  if (!record.ok()) return record.status();
  (*record)["kid"] = *kid;
  (*record)["n"] = jwk["n"];
  (*record)["e"] = jwk["e"];
  if (Status s = StoreCredential(store, principal->client_id, *record); !s.ok()) return s;
  return created;
}

Result<ClientPrincipal> AuthenticateClientSecret(Store& store, const std::string& client_id, const std::string& secret) {
  const Status refused = Unauthenticated("The client ID or the client secret is wrong.");
  if (client_id.empty() || secret.empty() || client_id.size() > 256 || secret.size() > 1024) return refused;
  auto records = LoadCredentials(store, client_id);
  if (!records.ok()) return records.status();
  for (const auto& record : *records) {
    if (Str(record, "type") != "secret" || Str(record, "kdf") != "pbkdf2-hmac-sha256") continue;
    auto salt = Base64UrlDecode(Str(record, "salt"));
    auto want = Base64UrlDecode(Str(record, "hash"));
    auto iterations = record.find("iterations");
    if (!salt || !want || want->size() != kHashBytes || iterations == record.end() || !iterations->is_number_integer() ||
        *iterations < 1 || *iterations > 10000000)
      return Status::Error(StatusCode::kCorruption, "a client secret record is malformed", SettingName(client_id, 0));
    auto got = Pbkdf2(secret, *salt, iterations->get<int>());
    if (!got.ok()) return got.status();
    if (CRYPTO_memcmp(got->data(), want->data(), kHashBytes) == 0) return PrincipalOf(record);
  }
  return refused;
}

Result<ClientPrincipal> AuthenticateClientAssertion(Store& store, const std::string& client_id,
                                                    std::string_view assertion,
                                                    const std::vector<std::string>& audiences, Timestamp now) {
  if (client_id.empty() || client_id.size() > 256) return Unauthenticated("The client ID is missing.");
  auto records = LoadCredentials(store, client_id);
  if (!records.ok()) return records.status();
  const nlohmann::json* used = nullptr;
  Status key_error = Status::Ok();
  auto signed_jwt = VerifyRs256Jwt(assertion, [&](const std::string& kid) -> KeyPtr {
    for (const auto& record : *records) {
      if (Str(record, "type") != "key" || Str(record, "kid") != kid) continue;
      auto key = RsaPublicKeyFromJwk(Str(record, "n"), Str(record, "e"));
      if (!key.ok()) {
        key_error = key.status();
        return nullptr;
      }
      used = &record;
      return *key;
    }
    return nullptr;
  });
  if (!key_error.ok()) return Status::Error(StatusCode::kCorruption, key_error.message(), "client key of " + client_id);
  if (!signed_jwt.ok())
    return Unauthenticated("The client assertion is not accepted: " + signed_jwt.status().message() +
                           " (it must be signed by a key registered for client " + client_id + ")");
  auto payload = nlohmann::json::parse(signed_jwt->payload_json, nullptr, false);
  if (payload.is_discarded() || !payload.is_object()) return Unauthenticated("The client assertion's payload is not a JSON object.");
  const int64_t now_s = now.micros / 1000000;
  constexpr int64_t kSkew = 300;
  auto seconds = [&](const char* name) -> std::optional<int64_t> {
    auto it = payload.find(name);
    if (it == payload.end() || !it->is_number()) return std::nullopt;
    double v = it->get<double>();
    if (!std::isfinite(v) || v < 0 || v > 1e11) return std::nullopt;
    return static_cast<int64_t>(v);
  };
  auto exp = seconds("exp");
  if (!exp) return Unauthenticated("The client assertion has no valid expiry (exp).");
  if (*exp + kSkew < now_s) return Unauthenticated("The client assertion has expired.");
  if (payload.contains("nbf")) {
    auto nbf = seconds("nbf");
    if (!nbf || *nbf - kSkew > now_s) return Unauthenticated("The client assertion is not valid yet (nbf).");
  }
  bool audience_ok = false;
  auto accept = [&](const nlohmann::json& a) {
    if (!a.is_string()) return;
    for (const auto& want : audiences) audience_ok = audience_ok || a.get_ref<const std::string&>() == want;
  };
  if (auto aud = payload.find("aud"); aud != payload.end()) {
    if (aud->is_array()) {
      for (const auto& a : *aud) accept(a);
    } else {
      accept(*aud);
    }
  }
  if (!audience_ok) {
    std::string list;
    for (const auto& a : audiences) list += (list.empty() ? "" : ", ") + a;
    return Unauthenticated("The client assertion's audience (aud) must be one of: " + list + ".");
  }
  ClientPrincipal principal = PrincipalOf(*used);
  const std::string sub = Str(payload, "sub");
  auto tid = NormalizeGuid(Str(payload, "tid"));
  auto oid = NormalizeGuid(Str(payload, "oid"));
  bool subject_ok = EqualsIgnoreCase(sub, client_id) ||
                    (tid && oid && *tid == principal.tenant_id && *oid == principal.object_id);
  if (!subject_ok)
    return Unauthenticated("The client assertion's subject is not client " + client_id +
                           " (expected sub = the client ID, or tid/oid = its service principal).");
  return principal;
}

}  // namespace openpal::api
