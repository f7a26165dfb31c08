// Serves the OpenAPI document embedded by embed_openapi.cmake (as kOpenApiJson, in the build tree's openapi_json.cc).
#include "api/openapi.h"

namespace openpal::api {

extern const char kOpenApiJson[];

const std::string& OpenApiDocument() {
  static const std::string document(kOpenApiJson);
  return document;
}

}  // namespace openpal::api
