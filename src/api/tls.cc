// Self-signed certificates with OpenSSL 3 (X509 + EVP, no deprecated RSA_* calls).
#include "api/tls.h"

#include <arpa/inet.h>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "api/jwt.h"

namespace openpal::api {
namespace {

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

bool IsIpv4(const std::string& host) {
  unsigned char buf[sizeof(struct in_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1;
}

Status WriteWithMode(const std::string& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Error(StatusCode::kIoError, "cannot create file", path);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::fchmod(fd, mode);
  ::close(fd);
  return ok ? Status::Ok() : Status::Error(StatusCode::kIoError, "cannot write file", path);
}

}  // namespace

Status WriteSelfSignedCertificate(const std::string& host, const std::string& cert_path, const std::string& key_path,
                                  int days) {
  if (host.empty() || host.find_first_of(", \t\r\n") != std::string::npos)
    return Status::Error(StatusCode::kInvalidArgument, "not a host name: '" + host + "'", "host");
  auto key = GenerateRsaKey(2048);
  if (!key.ok()) return key.status();
  X509* cert = X509_new();
  if (!cert) return Status::Error(StatusCode::kInternal, "out of memory");
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;  // a positive serial number
  BIGNUM* serial_bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(serial_bn, X509_get_serialNumber(cert));
  BN_free(serial_bn);
  X509_set_version(cert, 2);  // v3
  X509_gmtime_adj(X509_getm_notBefore(cert), -24L * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(days) * 24 * 3600);
  X509_set_pubkey(cert, key->get());
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("openpal"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  std::string san = "DNS:localhost,IP:127.0.0.1";
  if (host != "localhost" && host != "127.0.0.1") san += (IsIpv4(host) ? ",IP:" : ",DNS:") + host;
  // CA:TRUE lets the file itself be the trust anchor clients load (a self-signed leaf, as `openssl req -x509` makes).
  bool ok = AddExtension(cert, NID_basic_constraints, "critical,CA:TRUE") &&
            AddExtension(cert, NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign") &&
            AddExtension(cert, NID_ext_key_usage, "serverAuth") &&
            AddExtension(cert, NID_subject_key_identifier, "hash") &&
            AddExtension(cert, NID_subject_alt_name, san) && X509_sign(cert, key->get(), EVP_sha256()) > 0;
  std::string cert_pem;
  if (ok) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio && PEM_write_bio_X509(bio, cert) == 1) {
      char* data = nullptr;
      long len = BIO_get_mem_data(bio, &data);
      cert_pem.assign(data, static_cast<size_t>(len));
    }
    BIO_free(bio);
  }
  X509_free(cert);
  if (!ok || cert_pem.empty()) return Status::Error(StatusCode::kInternal, "OpenSSL could not build the certificate");
  auto key_pem = PrivateKeyToPem(*key);
  if (!key_pem.ok()) return key_pem.status();
  if (Status s = WriteWithMode(key_path, *key_pem, 0600); !s.ok()) return s;
  return WriteWithMode(cert_path, cert_pem, 0644);
}

}  // namespace openpal::api
