// OpenID provider discovery and key trust (see oidc.h), over cpp-httplib.
#include "api/oidc.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <boost/asio/ip/address.hpp>

#include "core/guid.h"

namespace openpal::api {
namespace {

constexpr size_t kMaxDocument = 1024 * 1024;

struct ParsedUrl {
  std::string scheme;  // lowercase
  std::string host;    // as written, without IPv6 brackets
  std::string origin;  // scheme://host[:port], lowercase
  std::string path;    // "/..." with the query, "/" at least
};

std::string Lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::optional<ParsedUrl> ParseUrl(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  ParsedUrl out;
  out.scheme = Lower(url.substr(0, sep));
  size_t start = sep + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;  // no userinfo
  std::string host = authority;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string::npos) return std::nullopt;
    host = host.substr(1, close - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  if (host.empty()) return std::nullopt;
  out.host = host;
  out.origin = out.scheme + "://" + Lower(authority);
  out.path = end == std::string::npos ? "/" : url.substr(end);
  if (size_t hash = out.path.find('#'); hash != std::string::npos) out.path.resize(hash);
  if (out.path.empty() || out.path.front() != '/') out.path = "/" + out.path;
  return out;
}

bool IsLoopback(const std::string& host) {
  if (EqualsIgnoreCase(host, "localhost")) return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

std::string TrimSlash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

// True when `issuer` names `authority`: equal (trailing "/" aside), or a "{tenantid}" template whose placeholder
// stands for one path segment of the authority ("common", "organizations", a tenant ID).
bool IssuerMatchesAuthority(const std::string& issuer, const std::string& authority) {
  std::string iss = TrimSlash(issuer), auth = TrimSlash(authority);
  if (iss == auth) return true;
  static const std::string kPlaceholder = "{tenantid}";
  size_t at = iss.find(kPlaceholder);
  if (at == std::string::npos) return false;
  std::string prefix = iss.substr(0, at), suffix = iss.substr(at + kPlaceholder.size());
  if (auth.size() <= prefix.size() + suffix.size() || auth.compare(0, prefix.size(), prefix) != 0 ||
      auth.compare(auth.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  std::string segment = auth.substr(prefix.size(), auth.size() - prefix.size() - suffix.size());
  return segment.find('/') == std::string::npos;
}

}  // namespace

Status CheckProviderUrl(const std::string& url, const std::string& what) {
  auto parsed = ParseUrl(url);
  if (!parsed || (parsed->scheme != "https" && parsed->scheme != "http"))
    return Status::Error(StatusCode::kInvalidArgument, "expected an https:// URL, got '" + url + "'", what);
  if (parsed->scheme == "http" && !IsLoopback(parsed->host))
    return Status::Error(StatusCode::kInvalidArgument,
                         "'" + url + "' is plain http to a host that is not loopback: keys fetched that way could be "
                         "replaced by anyone on the path; use https (plain http is allowed for 127.0.0.1, ::1 and "
                         "localhost only)",
                         what);
  return Status::Ok();
}

std::string UrlOrigin(const std::string& url) {
  auto parsed = ParseUrl(url);
  return parsed ? parsed->origin : std::string();
}

HttpGet MakeHttpGet(std::string ca_file) {
  return [ca_file = std::move(ca_file)](const std::string& url) -> Result<std::string> {
    if (Status s = CheckProviderUrl(url, url); !s.ok()) return s;
    auto parsed = *ParseUrl(url);
    httplib::Client client(parsed.origin);
    if (!client.is_valid()) return Status::Error(StatusCode::kInvalidArgument, "cannot use this URL", url);
    client.set_connection_timeout(10, 0);
    client.set_read_timeout(10, 0);
    client.set_follow_location(false);  // the document must be where the provider says; a redirect is an error
    if (parsed.scheme == "https") {
      client.enable_server_certificate_verification(true);
      if (!ca_file.empty()) client.set_ca_cert_path(ca_file.c_str());
    }
    std::string body;
    bool too_large = false;
    httplib::Result result = client.Get(
        parsed.path.c_str(), httplib::Headers{{"Accept", "application/json"}, {"User-Agent", "openpal-pal/0.1.0 (oidc)"}},
        [&](const char* data, size_t length) {
          if (body.size() + length > kMaxDocument) {
            too_large = true;
            return false;
          }
          body.append(data, length);
          return true;
        });
    if (too_large) return Status::Error(StatusCode::kResourceExhausted, "the document is larger than 1 MiB", url);
    if (!result) {
      std::string why = httplib::to_string(result.error());
      if (result.error() == httplib::Error::SSLServerVerification)
        why += ": the provider's certificate is not trusted (give its CA with --oidc-ca-file)";
      return Status::Error(StatusCode::kUnavailable, "cannot fetch: " + why, url);
    }
    if (result->status != 200)
      return Status::Error(StatusCode::kUnavailable,
                           "HTTP " + std::to_string(result->status) + " (expected 200" +
                               (result->status / 100 == 3 ? "; redirects are not followed" : "") + ")",
                           url);
    return body;
  };
}

std::string DiscoveryUrl(const std::string& authority) {
  return TrimSlash(authority) + "/.well-known/openid-configuration";
}

Result<OidcMetadata> ParseDiscovery(std::string_view json, const std::string& authority, const std::string& origin) {
  auto doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return Status::Error(StatusCode::kCorruption, "expected a JSON object (an OpenID Connect discovery document)", origin);
  auto field = [&](const char* name, bool required, std::string& out) -> Status {
    auto it = doc.find(name);
    if (it == doc.end() && !required) return Status::Ok();
    if (it == doc.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      return Status::Error(StatusCode::kCorruption, "expected a non-empty string", origin + ": $." + name);
    out = it->get<std::string>();
    return Status::Ok();
  };
  OidcMetadata m;
  for (auto [name, required, out] : {std::tuple{"issuer", true, &m.issuer},
                                     std::tuple{"authorization_endpoint", true, &m.authorization_endpoint},
                                     std::tuple{"token_endpoint", true, &m.token_endpoint},
                                     std::tuple{"jwks_uri", true, &m.jwks_uri},
                                     std::tuple{"end_session_endpoint", false, &m.end_session_endpoint}}) {
    if (Status s = field(name, required, *out); !s.ok()) return s;
    if (!out->empty())
      if (Status s = CheckProviderUrl(*out, origin + ": $." + name); !s.ok()) return s;
  }
  if (!IssuerMatchesAuthority(m.issuer, authority))
    return Status::Error(StatusCode::kCorruption,
                         "the issuer '" + m.issuer + "' is not the authority '" + authority +
                             "' (OpenID Connect Discovery requires them to be the same; for Entra ID use "
                             "https://login.microsoftonline.com/TENANT/v2.0)",
                         origin + ": $.issuer");
  return m;
}

Result<OidcProvider> OidcProvider::Connect(const OidcSettings& settings, const HttpGet& get, TokenVerifier& verifier,
                                           std::function<void(const Status&)> report) {
  if (settings.client_id.empty())
    return Status::Error(StatusCode::kInvalidArgument, "the client ID is empty", "--oidc-client-id");
  if (Status s = CheckProviderUrl(settings.authority, "--oidc-authority"); !s.ok()) return s;
  std::string discovery_url = DiscoveryUrl(settings.authority);
  auto discovery = get(discovery_url);
  if (!discovery.ok()) return discovery.status().WithContext("--oidc-authority: discovery");
  auto metadata = ParseDiscovery(*discovery, settings.authority, discovery_url);
  if (!metadata.ok()) return metadata.status();
  auto jwks = get(metadata->jwks_uri);
  if (!jwks.ok()) return jwks.status().WithContext("--oidc-authority: jwks_uri");

  KeySource source;
  source.origin = metadata->jwks_uri;
  source.rule.exact = {metadata->issuer};
  source.rule.audiences = {settings.client_id};
  source.fetch = [get, uri = metadata->jwks_uri] { return get(uri); };
  source.min_interval = settings.refresh_interval;
  source.report = std::move(report);
  if (Status s = verifier.AddKeySource(std::move(source), *jwks); !s.ok()) return s;

  OidcProvider provider;
  provider.settings_ = settings;
  provider.settings_.authority = TrimSlash(settings.authority);
  provider.metadata_ = std::move(*metadata);
  return provider;
}

std::vector<std::string> OidcProvider::BrowserOrigins() const {
  std::vector<std::string> origins;
  for (const auto& url : {settings_.authority, metadata_.token_endpoint}) {
    std::string origin = UrlOrigin(url);
    if (!origin.empty() && std::find(origins.begin(), origins.end(), origin) == origins.end()) origins.push_back(origin);
  }
  return origins;
}

}  // namespace openpal::api
