// `pal attribute --dask`: the run placed on a Dask cluster by the Python driver openpal.dask_run (docs/scale.md).
#pragma once

#include <string>
#include <vector>

namespace openpal::cli {

// One input of a run: a local path (the same on every worker), or a blob's address (a URL without query) and its
// size from pal's listing.
struct DaskInput {
  std::string path;
  bool blob = false;
  uint64_t size = 0;
};

struct DaskRunArgs {
  std::string scheduler;  // tcp://HOST:PORT
  std::vector<DaskInput> files;
  std::string db, index, role_policy = "all", measure = "effective", output = "csv", out, unattributed;
  std::string partial;  // write the merged part here instead of the report (pal merge combines it with others)
  std::string worker_index;  // workers open the index here (shared storage) instead of receiving its bytes
  uint64_t task_bytes = 64ull << 20;
  bool quiet = false;
  bool save = false;  // keep the run in the database, as pal attribute --save does (through pal merge --save's code)
  bool timings = false;  // phase wall times (pal's and the driver's) on standard error
};

// Checks the directory and its compiled index as a local run does, has the driver credit the inputs on the cluster,
// and writes the report, unattributed file and reconciliation from the merged part exactly as `pal merge` does (and
// saves the run as `pal merge --save` does, or writes the merged part with `partial`).
int AttributeOnDask(const DaskRunArgs& args);

}  // namespace openpal::cli
