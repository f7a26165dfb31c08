# Writes OUT, a C++ source defining openpal::api::kOpenApiJson as the text of IN (src/api/openapi.json).
# Run by the build whenever openapi.json changes; an invalid document fails the build rather than being served.
file(READ "${IN}" content)
string(JSON kind ERROR_VARIABLE json_error TYPE "${content}")
if(json_error)
  message(FATAL_ERROR "${IN} is not valid JSON: ${json_error}")
endif()
string(FIND "${content}" ")openapi\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )openapi\"")
endif()
file(WRITE "${OUT}.tmp" "// Generated from src/api/openapi.json by src/api/embed_openapi.cmake: do not edit.\n"
     "namespace openpal::api {\nextern const char kOpenApiJson[];\n"
     "const char kOpenApiJson[] = R\"openapi(${content})openapi\";\n}  // namespace openpal::api\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
