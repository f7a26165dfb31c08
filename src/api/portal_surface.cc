// The portal's files, embedded in the binary at build time (portal/embed_assets.cmake -> portal_assets.cc): "/" and
// "/index.html" (never cached without revalidation), "/assets/*" (content-hashed names: cached for a year,
// immutable) and the other top-level files of portal/dist, all under a strict Content-Security-Policy.
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "api/arm_errors.h"
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
// same origin, no frames, no plugins, no foreign images or fonts.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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
  PortalSurface() {
    for (std::size_t i = 0; i < portal_embedded::kFileCount; ++i) {
      const auto& file = portal_embedded::kFiles[i];
      std::string_view path = file.path;
      std::string_view bytes(reinterpret_cast<const char*>(file.data), file.size);
      assets_.emplace(std::string(path),
                      Asset{bytes, ContentTypeOf(path), EtagOf(bytes), path.substr(0, 8) == "/assets/"});
    }
  }

  bool Claims(std::string_view path) const override {
    return path == "/" || path == "/index.html" || path.substr(0, 8) == "/assets/" ||
           assets_.count(std::string(path)) > 0;
  }

  // The portal's files take no body and no token: refused unread, so anonymous clients cannot make it buffer one.
  std::optional<ApiResponse> RefuseBody(const ApiRequest& head) const override {
    ApiResponse answer = Handle(head);
    if (answer.status >= 400) return answer;  // 405 for other methods, 404, ...
    ApiResponse refused;
    refused.headers = {{"X-Content-Type-Options", "nosniff"}};
    return Error(std::move(refused), InvalidRequestContent("requests for the portal's files carry no body."), {});
  }

  ApiResponse Handle(const ApiRequest& request) const override {
    std::string path = request.path == "/" ? "/index.html" : request.path;
    ApiResponse response;
    response.headers = {{"Content-Security-Policy", kContentSecurityPolicy},
                        {"X-Content-Type-Options", "nosniff"},
                        {"Referrer-Policy", "no-referrer"},
                        {"X-Frame-Options", "DENY"},
                        {"Cross-Origin-Opener-Policy", "same-origin"}};
    if (request.method != "GET" && request.method != "HEAD") {
      return Error(std::move(response), MethodNotAllowed(request.method), {{"Allow", "GET, HEAD"}});
    }
    if (assets_.empty()) {
      // Built without portal/dist: say so instead of serving an empty page.
      return Error(std::move(response),
                   ArmStatus(ArmCode::kPortalNotBuilt,
                                 "not built: the portal (portal/dist) was missing when pal was built; run "
                                 "scripts/build.sh, which runs npm ci and npm run build in portal/ before compiling."),
                   {});
    }
    auto it = assets_.find(path);
    if (it == assets_.end()) return Error(std::move(response), UnknownPath(path), {});
    const Asset& asset = it->second;
    response.headers.emplace_back("Cache-Control",
                                  asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    response.headers.emplace_back("ETag", asset.etag);
    if (auto match = request.Header("If-None-Match"); match && match->find(asset.etag) != std::string::npos) {
      response.status = 304;
      response.content_type = std::string(asset.content_type);
      return response;
    }
    response.status = 200;
    response.content_type = std::string(asset.content_type);
    response.body = std::string(asset.bytes);
    return response;
  }

 private:
  // Errors keep the server's one shape (an ARM error body), as every other path of pal serve answers.
  static ApiResponse Error(ApiResponse response, const Status& status,
                           std::vector<std::pair<std::string, std::string>> extra) {
    ArmError error = ToArmError(status);
    response.status = error.http_status;
    response.body = ArmErrorBody(error);
    response.headers.emplace_back("Cache-Control", "no-cache");
    for (auto& header : extra) response.headers.push_back(std::move(header));
    return response;
  }

  std::map<std::string, Asset, std::less<>> assets_;
};

}  // namespace

std::unique_ptr<Surface> MakePortalSurface(const SurfaceContext&) { return std::make_unique<PortalSurface>(); }

}  // namespace openpal::api
