// Client-credentials tokens (see token_source.h).
#include "collect/token_source.h"

#include <memory>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "core/encoding.h"
#include "core/guid.h"

namespace openpal::collect {
namespace {


struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

Result<std::string> MakeClientAssertion(const std::string& certificate_pem, const std::string& client_id,
                                        const std::string& token_url, int64_t now_seconds) {
  auto bio = [&] {
    return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  };
  auto key_bio = bio();
  std::unique_ptr<EVP_PKEY, KeyFree> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key)
    return Status::Error(StatusCode::kCorruption,
                         "no private key found: the certificate file must hold the PEM private key and certificate");
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA)
    return Status::Error(StatusCode::kCorruption, "the private key must be RSA (Entra ID signs assertions with RS256)");
  auto cert_bio = bio();
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert)
    return Status::Error(StatusCode::kCorruption, "no certificate found: the file must hold the PEM certificate too");
  if (X509_check_private_key(cert.get(), key.get()) != 1)
    return Status::Error(StatusCode::kCorruption, "the private key does not belong to the certificate");

  unsigned char* der = nullptr;
  int der_size = i2d_X509(cert.get(), &der);
  if (der_size <= 0) return Status::Error(StatusCode::kCorruption, "cannot encode the certificate");
  unsigned char thumbprint[SHA_DIGEST_LENGTH];
  SHA1(der, static_cast<size_t>(der_size), thumbprint);
  OPENSSL_free(der);

  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"x5t", Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(thumbprint), sizeof thumbprint))}};
  nlohmann::json claims = {{"aud", token_url},      {"iss", client_id},          {"sub", client_id},
                           {"jti", NewGuid()},      {"nbf", now_seconds},        {"iat", now_seconds},
                           {"exp", now_seconds + 600}};
  std::string signing_input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());

  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  size_t sig_size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_size, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1)
    return Status::Error(StatusCode::kCorruption, "cannot sign the client assertion with this key");
  std::string signature(sig_size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &sig_size,
                     reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) != 1)
    return Status::Error(StatusCode::kCorruption, "cannot sign the client assertion with this key");
  signature.resize(sig_size);
  return signing_input + "." + Base64UrlEncode(signature);
}

TokenSource::TokenSource(ClientCredentials credentials, HttpFetcher& fetcher)
    : credentials_(std::move(credentials)), fetcher_(fetcher) {
  while (!credentials_.authority.empty() && credentials_.authority.back() == '/') credentials_.authority.pop_back();
}

Result<std::string> TokenSource::Get(const std::string& tenant, const std::string& scope) {
  std::lock_guard lock(mutex_);  // one request per (tenant, scope) even when workers ask together
  const std::string key = tenant + " " + scope;
  auto now = std::chrono::steady_clock::now();
  if (auto it = cache_.find(key); it != cache_.end() && now < it->second.refresh_at) return it->second.token;
  if (auto it = failed_.find(key); it != failed_.end()) return it->second;
  Result<std::string> token = Fetch(tenant, scope);
  if (!token.ok()) failed_[key] = token.status();
  return token;
}

Result<std::string> TokenSource::Fetch(const std::string& tenant, const std::string& scope) {
  const std::string key = tenant + " " + scope;
  auto now = std::chrono::steady_clock::now();

  const std::string url = credentials_.authority + "/" + tenant + "/oauth2/v2.0/token";
  std::vector<std::pair<std::string, std::string>> form = {
      {"grant_type", "client_credentials"}, {"client_id", credentials_.client_id}, {"scope", scope}};
  if (!credentials_.certificate_pem.empty()) {
    auto assertion = MakeClientAssertion(credentials_.certificate_pem, credentials_.client_id, url,
                                         std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
    if (!assertion.ok()) return assertion.status();
    form.emplace_back("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    form.emplace_back("client_assertion", *assertion);
  } else {
    form.emplace_back("client_secret", credentials_.client_secret);
  }
  auto reply = fetcher_.PostForm(url, {{"Accept", "application/json"}}, form);
  if (!reply.ok()) return reply.status().WithContext("token for tenant " + tenant);
  auto doc = nlohmann::json::parse(reply->body, nullptr, false);
  if (reply->status != 200 || !doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string()) {
    std::string why = "HTTP " + std::to_string(reply->status);
    if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
      why = doc["error"].get<std::string>();
      if (doc.contains("error_description") && doc["error_description"].is_string())
        why += ": " + doc["error_description"].get<std::string>();
    }
    return Status::Error(StatusCode::kUnauthenticated, "the authority refused a token for " + scope + ": " + why,
                         "tenant " + tenant);
  }
  int64_t expires_in = 3600;
  if (doc.contains("expires_in")) {
    // Entra ID has sent it both as a number and as a string.
    if (doc["expires_in"].is_number_integer()) expires_in = doc["expires_in"].get<int64_t>();
    if (doc["expires_in"].is_string()) expires_in = std::atoll(doc["expires_in"].get<std::string>().c_str());
  }
  Cached cached{doc["access_token"].get<std::string>(),
                now + std::chrono::seconds(std::max<int64_t>(expires_in - 300, 0))};
  cache_[key] = cached;
  return cached.token;
}

void TokenSource::Invalidate(const std::string& tenant, const std::string& scope) {
  std::lock_guard lock(mutex_);
  cache_.erase(tenant + " " + scope);
}

}  // namespace openpal::collect
