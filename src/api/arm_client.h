// An HTTP(S) client of the ARM Microsoft.ManagementPartner API (pal serve, or any ARM endpoint), as
// `pal managementpartner` and `pal demo` use it: TLS verified, bearer token, api-version 2018-02-01, no bodies.
#pragma once

#include <optional>
#include <string>

#include "api/arm_errors.h"
#include "core/status.h"

namespace openpal::api {

struct ArmClientOptions {
  std::string endpoint;        // "https://127.0.0.1:8443" (scheme, host, optional port; no path)
  std::string ca_file;         // PEM bundle trusted for https (a private CA, or pal serve's self-signed cert); "" = system
  std::string token;           // the bearer token
  int timeout_seconds = 30;
};

// What came back: the status and the body as sent.
struct ArmReply {
  int status = 0;
  std::string body;
};

// The path of one partner link for `partner_id` ("" = ".../partners/", the caller's link whatever its ID), with
// ?api-version=2018-02-01.
std::string PartnerLinkPath(const std::string& partner_id);

// Sends `method` (GET, PUT, PATCH, DELETE) to `path_and_query` without a body (Content-Length: 0 on writes, as
// the Azure CLI does). Errors: InvalidArgument (unparsable URL), Unavailable (refused, TLS verification failed,
// timeout: the message says which and what to try). Any HTTP status is a reply, not an error.
Result<ArmReply> SendArmRequest(const ArmClientOptions& options, const std::string& method,
                                const std::string& path_and_query);

// The ARM error in a non-2xx reply, with the service's code and message as sent ({"error":{"code","message"}} or
// top-level code/message); a body without one gives code "HttpStatus<N>". Not a Status: the wire code is the
// service's, which the closed StatusCode set cannot hold.
ArmError ArmReplyError(const ArmReply& reply);

}  // namespace openpal::api
