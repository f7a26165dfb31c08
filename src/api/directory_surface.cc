// Placeholder until its issue lands: claims no path, so requests fall through to the ARM surface (404 NotFound).
#include "api/openpal_surfaces.h"

namespace openpal::api {
namespace {
class Unclaimed : public Surface {
 public:
  bool Claims(std::string_view) const override { return false; }
  ApiResponse Handle(const ApiRequest&) const override { return ApiResponse{404}; }
};
}  // namespace

std::unique_ptr<Surface> MakeDirectorySurface(const SurfaceContext&) { return std::make_unique<Unclaimed>(); }

}  // namespace openpal::api
