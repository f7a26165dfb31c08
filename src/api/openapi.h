// The OpenAPI 3.0 description of /openpal/v1 (src/api/openapi.json), compiled into the binary.
#pragma once

#include <string>

namespace openpal::api {

// The document, byte for byte as src/api/openapi.json was at build time (valid JSON: the build checks it).
const std::string& OpenApiDocument();

}  // namespace openpal::api
