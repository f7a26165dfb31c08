// Lookups on the transport-free request shape shared by the surfaces.
#include "api/surface.h"

#include "core/guid.h"

namespace openpal::api {

std::optional<std::string> ApiRequest::Query(std::string_view name) const {
  for (const auto& [key, value] : query)
    if (EqualsIgnoreCase(key, name)) return value;
  return std::nullopt;
}

std::optional<std::string> ApiRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (EqualsIgnoreCase(key, name)) return value;
  return std::nullopt;
}

}  // namespace openpal::api
