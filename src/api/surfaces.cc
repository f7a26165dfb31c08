// The composition of pal serve's surfaces (openpal_surfaces.h).
#include "api/management_partner.h"
#include "api/openpal_surfaces.h"

namespace openpal::api {

Surfaces::Surfaces(const SurfaceContext& context) : table_(context.verifier, context.store) {
  surfaces_.push_back(MakeReportsSurface(context));
  surfaces_.push_back(MakeDirectorySurface(context));
  surfaces_.push_back(MakePortalSurface(context));
  if (context.dev_issuer) surfaces_.push_back(MakeTokenServiceSurface(context));
  surfaces_.push_back(MakeAccountSurface(context));
  surfaces_.push_back(std::make_unique<ManagementPartnerApi>(context.store, context.verifier));
  for (const auto& surface : surfaces_) table_.Add(*surface);
}

Surfaces::~Surfaces() = default;

}  // namespace openpal::api
