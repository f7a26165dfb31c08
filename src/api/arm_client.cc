// The ARM link API client over cpp-httplib (see arm_client.h).
#include "api/arm_client.h"

#include <cctype>
#include <cstdio>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "api/management_partner.h"
#include "core/encoding.h"

namespace openpal::api {

std::string PartnerLinkPath(const std::string& partner_id) {
  // Percent-encode everything but unreserved characters: an ID is digits, but a typo must not break the URL.
  std::string segment = PercentEncode(partner_id);
  return "/providers/Microsoft.ManagementPartner/partners/" + segment + "?api-version=" + kApiVersion;
}

Result<ArmReply> SendArmRequest(const ArmClientOptions& options, const std::string& method,
                                const std::string& path_and_query) {
  const std::string& url = options.endpoint;
  bool https = url.rfind("https://", 0) == 0;
  if (!https && url.rfind("http://", 0) != 0)
    return Status::Error(StatusCode::kInvalidArgument, "the endpoint must start with https:// or http://, e.g. https://127.0.0.1:8443",
                         url);
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  httplib::Client client(base);
  if (!client.is_valid())
    return Status::Error(StatusCode::kInvalidArgument, "cannot use this endpoint: expected https://HOST[:PORT]", url);
  client.set_connection_timeout(options.timeout_seconds, 0);
  client.set_read_timeout(options.timeout_seconds, 0);
  client.set_write_timeout(options.timeout_seconds, 0);
  if (https) {
    client.enable_server_certificate_verification(true);
    if (!options.ca_file.empty()) client.set_ca_cert_path(options.ca_file.c_str());
  }
  httplib::Headers headers = {{"Accept", "application/json"},
                              {"Authorization", "Bearer " + options.token},
                              {"User-Agent", "openpal-pal/0.1.0 (managementpartner)"}};
  if (method != "GET" && method != "PUT" && method != "PATCH" && method != "DELETE")
    return Status::Error(StatusCode::kInvalidArgument, "unsupported method " + method);
  const std::string type = "application/json; charset=utf-8";
  const char* path = path_and_query.c_str();
  httplib::Result result = method == "GET"     ? client.Get(path, headers)
                           : method == "PUT"   ? client.Put(path, headers, "", type.c_str())
                           : method == "PATCH" ? client.Patch(path, headers, "", type.c_str())
                                               : client.Delete(path, headers, "", type.c_str());
  if (!result) {
    std::string why = httplib::to_string(result.error());
    if (result.error() == httplib::Error::SSLServerVerification)
      why += ": the server's certificate is not trusted; give --ca-file with the certificate pal serve uses "
             "(e.g. the cert.pem of `pal demo`)";
    else if (result.error() == httplib::Error::Connection)
      why += ": is `pal serve` running there? (start it with: pal serve --listen 127.0.0.1:8443 --tls-cert ... "
             "--dev-issuer)";
    return Status::Error(StatusCode::kUnavailable, "cannot reach " + base + ": " + why);
  }
  return ArmReply{result->status, result->body};
}

ArmError ArmReplyError(const ArmReply& reply) {
  auto doc = nlohmann::json::parse(reply.body, nullptr, false);
  std::string code, message;
  if (doc.is_object()) {
    const nlohmann::json* error = doc.contains("error") && doc["error"].is_object() ? &doc["error"] : &doc;
    if (error->contains("code") && (*error)["code"].is_string()) code = (*error)["code"].get<std::string>();
    if (error->contains("message") && (*error)["message"].is_string())
      message = (*error)["message"].get<std::string>();
  }
  if (code.empty()) {
    code = "HttpStatus" + std::to_string(reply.status);
    if (message.empty())
      message = "Operation returned an invalid status '" + std::to_string(reply.status) + "'" +
                (reply.body.empty() ? "" : ": " + reply.body.substr(0, 200));
  }
  return ArmError{reply.status, std::move(code), std::move(message)};
}

}  // namespace openpal::api
