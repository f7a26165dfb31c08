// TLS material for `pal serve`: a self-signed certificate for tests, demos and local use.
#pragma once

#include <string>

#include "core/status.h"

namespace openpal::api {

// Writes a self-signed RSA-2048 certificate for `host` (valid 1 day before to `days` after now) to `cert_path` and
// its private key to `key_path` (mode 0600), both PEM. The certificate names `host`, "localhost" and 127.0.0.1 as
// subject alternative names, so clients that trust the file (NODE_EXTRA_CA_CERTS, curl --cacert) accept it on
// loopback.
Status WriteSelfSignedCertificate(const std::string& host, const std::string& cert_path, const std::string& key_path,
                                  int days = 30);

}  // namespace openpal::api
