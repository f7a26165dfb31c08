// What `pal merge` and `pal attribute --dask` do with a merged part (docs/partial-format.md): write the report and
// the unattributed file, and keep the run in the database as `pal attribute --save` keeps one.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "engine/partial.h"

namespace openpal::cli {

// Writes the report in `output` (csv, json or table) to `out` (empty: standard output) and the unattributed groups to
// `unattributed` (if not empty; CSV, or JSON with json). A failure names the file.
Status WriteMergedOutputs(const engine::Partial& merged, const std::string& output, const std::string& out,
                          const std::string& unattributed);

// `--partial OUT` of pal attribute, local or --dask: writes the part's bytes (`bytes`, of `part`) to `path` and, unless
// `quiet`, says so on standard error. Returns the exit status.
int WritePartFile(const std::string& path, std::string_view bytes, const engine::Partial& part, bool quiet);

// `--save`: the merged run saved as `pal attribute --save` saves one: each input's rows, path (made absolute here),
// SHA-256 (read now from the file, which must still have the size it was credited at) and rows read. `db`: the store
// the parts were credited against (checked); `index`: its compiled index (empty: the default path); `role_policy`:
// the policy file when the parts' policy is a file's content (else empty, all or pec). Returns the run's ID; an
// InvalidArgument status is a usage error.
Result<int64_t> SaveMergedRun(const engine::Partial& merged, const std::string& db, const std::string& index,
                              const std::string& role_policy);

}  // namespace openpal::cli
