// The portal's files, embedded in the binary at build time (portal/embed_assets.cmake -> portal_assets.cc): "/" and
// "/index.html" (never cached without revalidation), "/assets/*" (content-hashed names: cached for a year,
// immutable) and the other top-level files of portal/dist, all under a strict Content-Security-Policy; and
// "/config.json", how the portal signs in on this server (the OpenID provider of --oidc-authority, the dev picker).
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/arm_errors.h"
#include "core/guid.h"
#include "api/dev_issuer.h"
#include "api/oidc.h"
#include "api/openpal_surfaces.h"

namespace openpal::api {
namespace portal_embedded {
struct File {
  const char* path;
  const unsigned char* data;
  std::size_t size;
};
extern const File kFiles[];
extern const std::size_t kFileCount;
}  // namespace portal_embedded

namespace {

// Everything the portal loads is its own: scripts and styles from files (no inline code, no eval), API calls to the
// same origin (and, with --oidc-authority, the provider's discovery and token endpoints, which the sign-in library
// fetches), no frames, no plugins, no foreign images or fonts.
std::string ContentSecurityPolicy(const OidcProvider* oidc) {
  std::string connect = "'self'";
  if (oidc)
    for (const auto& origin : oidc->BrowserOrigins()) connect += " " + origin;
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src " +
         connect + "; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
}

// GET /config.json: how this server's portal signs in. Public facts only (what a browser sees during sign-in anyway).
std::string PortalConfig(const SurfaceContext& context) {
  nlohmann::json config = {{"devIssuer", context.dev_issuer != nullptr}, {"oidc", nullptr}};
  if (const OidcProvider* oidc = context.oidc) {
    config["oidc"] = {{"authority", oidc->settings().authority},
                      {"clientId", oidc->settings().client_id},
                      {"scopes", oidc->settings().scopes},
                      {"issuer", oidc->metadata().issuer},
                      {"endSession", !oidc->metadata().end_session_endpoint.empty()}};
  } else if (context.dev_issuer) {
    // The development token service of this same server (/adfs), signed in to exactly as to Entra ID: the code flow
    // with PKCE, its sign-in page being the principal picker. The authority is relative: its origin is the one the
    // browser uses, which is also the issuer the service names (token_service.cc). The token for the API is the
    // access token for ARM, the audience the link API takes.
    config["oidc"] = {{"authority", "/adfs"},
                      {"clientId", kDevPortalClientId},
                      {"scopes", {"https://management.azure.com/.default"}},
                      {"issuer", nullptr},
                      {"endSession", true},
                      {"development", true}};
  }
  return config.dump();
}

std::string_view ContentTypeOf(std::string_view path) {
  auto ends = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json") || ends(".map")) return "application/json; charset=utf-8";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".woff2")) return "font/woff2";
  if (ends(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// A strong validator for revalidating index.html (FNV-1a 64 over the bytes; collisions only cost a stale page).
std::string EtagOf(std::string_view bytes) {
  std::uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

struct Asset {
  std::string_view bytes;
  std::string_view content_type;
  std::string etag;
  bool immutable = false;  // under /assets/: the name carries a hash of the content
};

class PortalSurface : public Surface {
 public:
  explicit PortalSurface(const SurfaceContext& context)
      : csp_(ContentSecurityPolicy(context.oidc)), config_(PortalConfig(context)) {
    for (std::size_t i = 0; i < portal_embedded::kFileCount; ++i) {
      const auto& file = portal_embedded::kFiles[i];
      std::string_view path = file.path;
      std::string_view bytes(reinterpret_cast<const char*>(file.data), file.size);
      assets_.emplace(std::string(path),
                      Asset{bytes, ContentTypeOf(path), EtagOf(bytes), path.substr(0, 8) == "/assets/"});
    }
  }

  // GET and HEAD of "/", each top-level file and anything under /assets/ (a missing one is 404 here), matched
  // exactly (file names are case-sensitive). Answered from memory, on the event loop, without a token; a body is
  // refused unread, so anonymous clients cannot make the server buffer one.
  std::vector<Route> Routes() const override {
    std::vector<std::string> paths = {"/", "/index.html"};
    for (const auto& [path, asset] : assets_)
      if (!asset.immutable && path != "/index.html") paths.push_back(path);
    paths.push_back("/assets/**");
    std::vector<Route> routes;
    for (const std::string& path : paths)
      for (const char* method : {"GET", "HEAD"})
        routes.push_back({method, path, Auth::kPublic, false,
                          [this](const RouteCall& call) { return Get(call.request); }, Slash::kExact,
                          PathCase::kExact});
    for (const char* method : {"GET", "HEAD"})
      routes.push_back({method, "/config.json", Auth::kPublic, false,
                        [this](const RouteCall&) { return Config(); }, Slash::kExact, PathCase::kExact});
    return routes;
  }

  // Every answer, errors included, under the portal's policy; errors are not cached (and not ARM's no-cache trio).
  void Finish(ApiResponse& response) const override {
    bool caching = false;
    for (const auto& [name, value] : response.headers) caching |= EqualsIgnoreCase(name, "Cache-Control");
    if (!caching) response.headers.emplace_back("Cache-Control", "no-cache");
    response.headers.insert(response.headers.begin(), {{"Content-Security-Policy", csp_},
                                                       {"X-Content-Type-Options", "nosniff"},
                                                       {"Referrer-Policy", "no-referrer"},
                                                       {"X-Frame-Options", "DENY"},
                                                       {"Cross-Origin-Opener-Policy", "same-origin"}});
  }

 private:
  ApiResponse Config() const {
    ApiResponse response;
    response.headers.emplace_back("Cache-Control", "no-cache");
    response.body = config_;
    return response;
  }

  ApiResponse Get(const ApiRequest& request) const {
    std::string path = request.path == "/" ? "/index.html" : request.path;
    if (assets_.empty()) {
      // Built without portal/dist: say so instead of serving an empty page.
      return ErrorResponse(ArmStatus(ArmCode::kPortalNotBuilt,
                                     "not built: the portal (portal/dist) was missing when pal was built; run "
                                     "scripts/build.sh, which runs npm ci and npm run build in portal/ before "
                                     "compiling."));
    }
    auto it = assets_.find(path);
    if (it == assets_.end()) return ErrorResponse(UnknownPath(path));
    const Asset& asset = it->second;
    ApiResponse response;
    response.headers.emplace_back("Cache-Control",
                                  asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    response.headers.emplace_back("ETag", asset.etag);
    response.content_type = std::string(asset.content_type);
    if (auto match = request.Header("If-None-Match"); match && match->find(asset.etag) != std::string::npos) {
      response.status = 304;
      return response;
    }
    response.status = 200;
    response.body = std::string(asset.bytes);
    return response;
  }

  std::string csp_;
  std::string config_;
  std::map<std::string, Asset, std::less<>> assets_;
};

}  // namespace

std::unique_ptr<Surface> MakePortalSurface(const SurfaceContext& context) {
  return std::make_unique<PortalSurface>(context);
}

}  // namespace openpal::api
