// The surfaces `pal serve` offers besides the ARM link API: /openpal/v1 (docs/openpal-api.md) and the portal.
#pragma once

#include <memory>

#include "api/surface.h"

namespace openpal::api {

// /openpal/v1/reports/*, /openpal/v1/runs, /openpal/v1/explain (reports_surface.cc).
std::unique_ptr<Surface> MakeReportsSurface(const SurfaceContext& context);
// /openpal/v1/me, /partners/{id}, /links, /openapi.json, /dev/* (directory_surface.cc).
std::unique_ptr<Surface> MakeDirectorySurface(const SurfaceContext& context);
// The portal's files: "/", "/index.html", "/assets/*" (portal_surface.cc).
std::unique_ptr<Surface> MakePortalSurface(const SurfaceContext& context);

}  // namespace openpal::api
