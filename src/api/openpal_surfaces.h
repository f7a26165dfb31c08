// The surfaces `pal serve` offers, composed into one route table: /openpal/v1 (docs/openpal-api.md), the portal,
// and the ARM link API (link-api.md) last.
#pragma once

#include <memory>
#include <vector>

#include "api/route_table.h"
#include "api/surface.h"

namespace openpal::api {

// /openpal/v1/reports/*, /openpal/v1/runs, /openpal/v1/explain (reports_surface.cc).
std::unique_ptr<Surface> MakeReportsSurface(const SurfaceContext& context);
// /openpal/v1/me, /partners/{id}, /links, /openapi.json, /dev/* (directory_surface.cc).
std::unique_ptr<Surface> MakeDirectorySurface(const SurfaceContext& context);
// The development token service under /adfs: discovery, JWKS, token and authorization endpoints
// (token_service.cc); only with a dev issuer.
std::unique_ptr<Surface> MakeTokenServiceSurface(const SurfaceContext& context);
// GET /subscriptions and GET /tenants, the ARM calls of `az login` (account_surface.cc).
std::unique_ptr<Surface> MakeAccountSurface(const SurfaceContext& context);
// The portal's files: "/", "/index.html", "/assets/*", and its sign-in settings "/config.json" (portal_surface.cc).
std::unique_ptr<Surface> MakePortalSurface(const SurfaceContext& context);

// Every surface of `pal serve`, composed once into the route table, for the server and for in-process tests.
// Lifetime: the references of `context` must outlive it, and it must outlive the server given routes().
// Thread-safe once built.
class Surfaces {
 public:
  explicit Surfaces(const SurfaceContext& context);
  ~Surfaces();
  Surfaces(const Surfaces&) = delete;
  Surfaces& operator=(const Surfaces&) = delete;

  // The table, in match order: /openpal/v1 reports and directory, the portal, the token service (with a dev
  // issuer), the account lists, then the ARM surface (whose catch-alls answer every path the others do not have).
  const RouteTable& routes() const { return table_; }
  // Answers `request` in process, as the server would (RouteTable::Answer).
  ApiResponse Answer(const ApiRequest& request) const { return table_.Answer(request); }

 private:
  std::vector<std::unique_ptr<Surface>> surfaces_;
  RouteTable table_;
};

}  // namespace openpal::api
