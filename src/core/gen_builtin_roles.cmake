# Build-time generator: turns data/builtin_roles.csv (guid,name,pec) into a C++ table sorted by GUID.
# Run as: cmake -DCSV=<csv> -DOUT=<cc> -P gen_builtin_roles.cmake. Fails the build on any malformed row,
# so a bad edit of the CSV cannot ship a silently shorter catalogue.
file(STRINGS "${CSV}" lines ENCODING UTF-8)
list(LENGTH lines count)
if(count LESS 2)
  message(FATAL_ERROR "${CSV}: no roles")
endif()
list(GET lines 0 header)
if(NOT header STREQUAL "guid,name,pec")
  message(FATAL_ERROR "${CSV}:1: header must be guid,name,pec, got '${header}'")
endif()
list(REMOVE_AT lines 0)

set(hex "[0-9a-fA-F]")
set(guid_re "${hex}${hex}${hex}${hex}${hex}${hex}${hex}${hex}-${hex}${hex}${hex}${hex}-${hex}${hex}${hex}${hex}-${hex}${hex}${hex}${hex}-${hex}${hex}${hex}${hex}${hex}${hex}${hex}${hex}${hex}${hex}${hex}${hex}")
set(rows "")
set(line_no 1)
foreach(line IN LISTS lines)
  math(EXPR line_no "${line_no} + 1")
  if(line STREQUAL "")
    continue()
  endif()
  if(NOT line MATCHES "^(${guid_re}),([^\"\\\\]+),(yes|no|unknown)$")
    message(FATAL_ERROR "${CSV}:${line_no}: expected guid,name,yes|no|unknown, got '${line}'")
  endif()
  string(TOLOWER "${CMAKE_MATCH_1}" guid)
  # Trim the name, as the catalogue promises (Azure has names with trailing spaces).
  string(STRIP "${CMAKE_MATCH_2}" name)
  set(pec "${CMAKE_MATCH_3}")
  list(APPEND rows "${guid},${name},${pec}")
endforeach()
list(SORT rows)

set(body "")
set(previous "")
foreach(row IN LISTS rows)
  string(REGEX MATCH "^([^,]+),(.*),([a-z]+)$" _ "${row}")
  set(guid "${CMAKE_MATCH_1}")
  if(guid STREQUAL previous)
    message(FATAL_ERROR "${CSV}: duplicate role GUID ${guid}")
  endif()
  set(previous "${guid}")
  if(CMAKE_MATCH_3 STREQUAL "yes")
    set(pec "PecEligibility::kYes")
  elseif(CMAKE_MATCH_3 STREQUAL "no")
    set(pec "PecEligibility::kNo")
  else()
    set(pec "PecEligibility::kUnknown")
  endif()
  string(APPEND body "    {\"${guid}\", \"${CMAKE_MATCH_2}\", ${pec}},\n")
endforeach()
list(LENGTH rows n)

file(WRITE "${OUT}.tmp" "// Generated from data/builtin_roles.csv by src/core/gen_builtin_roles.cmake. Do not edit.
#include <cstddef>

#include \"core/roles.h\"

namespace openpal::generated {

extern const BuiltInRole kBuiltInRoles[];
extern const size_t kBuiltInRoleCount;

// Sorted by GUID (lowercase) for binary search.
const BuiltInRole kBuiltInRoles[] = {
${body}};
const size_t kBuiltInRoleCount = ${n};

}  // namespace openpal::generated
")
# Only touch the output when it changed, so an unchanged CSV does not recompile anything.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
