// The dev issuer's key file (created once, 0600, without races) and token minting.
#include "api/dev_issuer.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/guid.h"
#include "store/open_store.h"

namespace openpal::api {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(StatusCode::kNotFound, "cannot read " + path + ": " + std::strerror(errno), path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `pem` to a private temporary file and links it into place; link() fails if another process won the
// race, in which case its key is the one to use.
Status CreateKeyFile(const std::string& path, const std::string& pem) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Error(StatusCode::kIoError, std::string("cannot create the dev issuer key: ") + std::strerror(errno), tmp);
  bool ok = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status::Error(StatusCode::kIoError, "cannot write the dev issuer key", tmp);
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && link_errno != EEXIST)
    return Status::Error(StatusCode::kIoError, std::string("cannot place the dev issuer key: ") + std::strerror(link_errno), path);
  return Status::Ok();
}

}  // namespace

std::string DevIssuer::KeyPathFor(const std::string& db_path) {
  // A demo key, beside an SQLite file; for a PostgreSQL URI in the current folder, named after the URI, so `pal token`
  // and `pal serve --dev-issuer` run from one folder share it.
  return StoreSideFile(db_path, ".dev-issuer.pem");
}

Result<DevIssuer> DevIssuer::LoadOrCreate(const std::string& key_path) {
  struct stat st {};
  if (::stat(key_path.c_str(), &st) != 0) {
    auto key = GenerateRsaKey(2048);
    if (!key.ok()) return key.status();
    auto pem = PrivateKeyToPem(*key);
    if (!pem.ok()) return pem.status();
    if (Status s = CreateKeyFile(key_path, *pem); !s.ok()) return s;
  }
  auto text = ReadFile(key_path);
  if (!text.ok()) return text.status();
  auto key = PrivateKeyFromPem(*text);
  if (!key.ok()) return key.status().WithContext(key_path);
  auto kid = JwkThumbprint(*key);
  if (!kid.ok()) return kid.status();
  DevIssuer issuer;
  issuer.key_ = *key;
  issuer.kid_ = *kid;
  return issuer;
}

Status DevIssuer::TrustIn(TokenVerifier& verifier) const {
  IssuerRule rule;
  rule.exact.push_back(kDevIssuer);
  rule.dev_authority = true;  // the token service's tokens (token_service.cc)
  return verifier.AddKey(kid_, key_, rule);
}

Result<std::string> DevIssuer::Mint(const std::string& tenant_id, const std::string& object_id,
                                    int64_t ttl_seconds, const std::string& audience) const {
  auto tid = NormalizeGuid(tenant_id);
  auto oid = NormalizeGuid(object_id);
  if (!tid) return Status::Error(StatusCode::kInvalidArgument, "the tenant ID must be a GUID, got '" + tenant_id + "'", "--tenant");
  if (!oid) return Status::Error(StatusCode::kInvalidArgument, "the object ID must be a GUID, got '" + object_id + "'", "--object");
  if (ttl_seconds <= 0 || ttl_seconds > 366LL * 24 * 3600)
    return Status::Error(StatusCode::kInvalidArgument, "the lifetime must be 1 second to 1 year", "--ttl");
  int64_t now = Timestamp::Now().micros / 1000000;
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kid_}};
  if (audience.empty()) return Status::Error(StatusCode::kInvalidArgument, "the audience must not be empty", "--audience");
  nlohmann::json payload = {{"aud", audience},
                            {"iss", kDevIssuer},
                            {"iat", now},
                            {"nbf", now},
                            {"exp", now + ttl_seconds},
                            {"tid", *tid},
                            {"oid", *oid},
                            {"ver", "1.0"}};
  return SignRs256(header.dump(), payload.dump(), key_);
}

Result<std::string> DevIssuer::SignClaims(std::string_view payload_json) const {
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kid_}};
  return SignRs256(header.dump(), payload_json, key_);
}

Result<std::string> DevIssuer::Jwks() const {
  auto jwk = PublicJwk(key_, kid_);
  if (!jwk.ok()) return jwk.status();
  return "{\"keys\":[" + *jwk + "]}";
}

}  // namespace openpal::api
