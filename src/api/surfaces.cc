// The composition of pal serve's surfaces (openpal_surfaces.h).
#include "api/management_partner.h"
#include "api/openpal_surfaces.h"

namespace openpal::api {

Surfaces::Surfaces(const SurfaceContext& context)
    : reports_(MakeReportsSurface(context)),
      directory_(MakeDirectorySurface(context)),
      portal_(MakePortalSurface(context)),
      arm_(std::make_unique<ManagementPartnerApi>(context.store, context.verifier)) {}

Surfaces::~Surfaces() = default;

std::vector<const Surface*> Surfaces::InOrder() const {
  return {reports_.get(), directory_.get(), portal_.get(), arm_.get()};
}

}  // namespace openpal::api
