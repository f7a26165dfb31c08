// Strict validation of a whole JSON text (RFC 8259) before the snapshot readers take the fields they use.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace openpal::ingest {

// How deeply arrays and objects may nest. Snapshot files nest a few levels (a management-group tree two per level,
// and Azure allows six levels below the root); the bound keeps every reader's recursion far from the stack's end.
inline constexpr size_t kMaxJsonDepth = 256;

// Checks that `text` is one valid JSON value, whatever parts of it are read later: no NaN, hex numbers, bare words,
// trailing commas, control characters inside strings, invalid or overlong UTF-8, lone surrogates, duplicate keys in
// one object, or nesting deeper than `max_depth`. An error (code Corruption) names
// "`name`:line" and quotes at most a few dozen bytes of the text.
Status ValidateJson(std::string_view text, const std::string& name, size_t max_depth = kMaxJsonDepth);

}  // namespace openpal::ingest
