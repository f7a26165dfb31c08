// One `pal attribute` run over many usage files: streaming, rejected-row log, TTY progress.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/roles.h"
#include "engine/attribution.h"

namespace openpal::engine {

// Wall seconds of a run's phases (`pal attribute --timings`): reading and crediting the rows, adding the threads'
// cells together, sorting and naming the report.
struct PhaseTimes {
  double credit = 0, combine = 0, finish = 0;
};

struct AttributeOptions {
  std::vector<std::string> files;
  usage::Measure measure = usage::Measure::kEffective;
  bool progress = false;              // redraw a progress line on stderr (set when stderr is a TTY)
  std::ostream* rejected_log = nullptr;  // "file:line: why" per rejected row
  size_t max_rejected_lines = 1000;   // beyond this, rejected rows are counted, not listed
  bool skip_cleanup = false;          // leave the crediting state for process exit to reclaim (saves seconds)
  int threads = 2;                    // plain files above split_bytes are read as this many parts at once
  uint64_t split_bytes = 64ull << 20;
  PhaseTimes* times = nullptr;        // filled when set
  // Profiles to reuse (built over the same index and policy, with a slot per thread): AttributeEachFile credits each
  // file in its own run and builds the profiles once for all of them. A new cache per run when unset.
  std::shared_ptr<ProfileCache> profiles;
  // When set, everything the run credits is also added into this attributor, which must share `profiles`:
  // AttributeEachFile sums its files this way (integer cells) instead of keeping each file's report rows.
  Attributor* absorb_into = nullptr;
  // Inputs this store handles (blob URLs) are read from it, streamed, whole (never split into parts); others are
  // local files. Not owned.
  usage::InputStore* store = nullptr;
};

// Threads beyond this are not used (each adds its own report cells and a slot to every profile's cell cache).
inline constexpr int kMaxThreads = 16;

// Reads every file in order and credits its rows. A file that cannot be opened or whose header fits no family stops
// the run with an error naming it; malformed rows never do.
Result<AttributionResult> RunAttribution(const DirectoryView& index, const RolePolicy& policy,
                                         const AttributeOptions& options);

}  // namespace openpal::engine
