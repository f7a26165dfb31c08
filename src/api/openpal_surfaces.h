// The surfaces `pal serve` offers besides the ARM link API: /openpal/v1 (docs/openpal-api.md) and the portal.
#pragma once

#include <memory>
#include <vector>

#include "api/surface.h"

namespace openpal::api {

// /openpal/v1/reports/*, /openpal/v1/runs, /openpal/v1/explain (reports_surface.cc).
std::unique_ptr<Surface> MakeReportsSurface(const SurfaceContext& context);
// /openpal/v1/me, /partners/{id}, /links, /openapi.json, /dev/* (directory_surface.cc).
std::unique_ptr<Surface> MakeDirectorySurface(const SurfaceContext& context);
// The portal's files: "/", "/index.html", "/assets/*" (portal_surface.cc).
std::unique_ptr<Surface> MakePortalSurface(const SurfaceContext& context);

// Every surface of `pal serve`, composed once, for the server and for in-process tests. Lifetime: the references
// of `context` must outlive it, and it must outlive the server given InOrder().
class Surfaces {
 public:
  explicit Surfaces(const SurfaceContext& context);
  ~Surfaces();
  Surfaces(const Surfaces&) = delete;
  Surfaces& operator=(const Surfaces&) = delete;

  // The dispatch order: /openpal/v1 and the portal first, the ARM surface last (it answers every path the others
  // do not claim).
  std::vector<const Surface*> InOrder() const;

 private:
  std::unique_ptr<Surface> reports_, directory_, portal_, arm_;
};

}  // namespace openpal::api
