// What `pal merge` and `pal attribute --dask` do with a merged part: one code path for both (cli/cli_merged.h).
#include "cli/cli_merged.h"

#include <sys/stat.h>

#include <iostream>

#include "cli/command.h"
#include "core/leave_for_exit.h"
#include "engine/compiled_index.h"
#include "engine/report_query.h"
#include "engine/report_writer.h"
#include "engine/run_spill.h"
#include "ingest/input_file.h"

namespace openpal::cli {

Status WriteMergedOutputs(const engine::Partial& merged, const std::string& output, const std::string& out,
                          const std::string& unattributed) {
  const engine::OutputFormat format = output == "json"    ? engine::OutputFormat::kJson
                                      : output == "table" ? engine::OutputFormat::kTable
                                                          : engine::OutputFormat::kCsv;
  // Named and sorted once, here: parts carry and merge their cells unnamed.
  const engine::AttributionResult result = engine::NameCells(merged.result);
  Status written = Status::Ok();
  if (out.empty()) {
    engine::WriteReport(result, format, std::cout);
    written = FlushStandardOutput();
  } else {
    written = WriteOutputFile(out, [&](std::ostream& stream) { engine::WriteReport(result, format, stream); });
  }
  if (written.ok() && !unattributed.empty()) {
    written = WriteOutputFile(unattributed, [&](std::ostream& stream) {
      engine::WriteUnattributed(result,
                                format == engine::OutputFormat::kJson ? format : engine::OutputFormat::kCsv, stream);
    });
  }
  return written;
}

int WritePartFile(const std::string& path, std::string_view bytes, const engine::Partial& part, bool quiet) {
  Status written = WriteOutputFile(
      path, [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
  if (!written.ok()) {
    std::cerr << "pal attribute: --partial: " << written.ToString() << "\n";
    return kExitFailure;
  }
  if (!quiet)
    std::cerr << "attribute: part written to " << path << " (" << part.result.rows_read << " rows, "
              << part.result.cells.size() << " report rows); combine parts with pal merge\n";
  return kExitOk;
}

Result<int64_t> SaveMergedRun(const engine::Partial& merged, const std::string& db, const std::string& index,
                              const std::string& role_policy) {
  if (!merged.per_input)
    return Status::Error(StatusCode::kFailedPrecondition,
                         "--save: a part holds only its inputs' sum, not each input's result (openpal.attribute(..., "
                         "per_input=False)): credit it again with per-input results");
  std::string policy_spec = merged.role_policy;
  if (policy_spec != "all" && policy_spec != "pec") {
    // The parts hold the policy's content; the saved run names its file (file:<path> sha256:<hex>).
    if (role_policy.empty())
      return Status::Error(StatusCode::kInvalidArgument,
                           "--save: the parts were credited under a role policy file: name it with --role-policy FILE");
    auto text = ingest::ReadRegularFile(role_policy, role_policy);
    if (!text.ok()) return text.status();
    if (*text != merged.role_policy)
      return Status::Error(StatusCode::kFailedPrecondition, "--save: not the role policy the parts were credited under",
                           role_policy);
    policy_spec = role_policy;
  } else if (!role_policy.empty() && role_policy != policy_spec) {
    return Status::Error(StatusCode::kFailedPrecondition,
                         "--save: the parts were credited under role policy " + policy_spec, role_policy);
  }
  auto store = OpenExistingStore(db, StoreAccess::kReadWrite);
  if (!store.ok()) return store.status();
  auto directory = engine::LoadDirectory(
      **store, {index.empty() ? engine::DefaultIndexPath(ResolveDbPath(db)) : index, !index.empty(), &std::cerr});
  if (!directory.ok()) return directory.status();
  // The unattributed rows are filed under customer tenants from this directory: it must be the parts'.
  if (!directory->identity || directory->identity->store_id != merged.directory.store_id ||
      directory->identity->directory_version != merged.directory.version)
    return Status::Error(StatusCode::kFailedPrecondition,
                         "--save: the parts were credited against store " + merged.directory.store_id + " version " +
                             std::to_string(merged.directory.version) + ", not this database's directory",
                         (*store)->Describe());
  auto spill = engine::RunSpill::Create();
  if (!spill.ok()) return spill.status();
  for (const auto& input : merged.inputs) {
    std::string sha = input.sha256;  // a blob's, as the worker that read it streamed it
    if (sha.empty()) {               // a local file: checksummed here, where it must still be at its credited size
      struct stat st {};
      if (::stat(input.path.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) != input.size)
        return Status::Error(StatusCode::kFailedPrecondition,
                             "--save: the input is not here at the " + std::to_string(input.size) +
                                 " bytes it was credited at (its SHA-256 goes into the saved run)",
                             input.path);
      auto local = engine::Sha256OfFile(input.path);
      if (!local.ok()) return local.status();
      sha = std::move(local).value();
    }
    Status added = (*spill)->Add(engine::FileResult{input.path, sha, engine::NameCells(input.result)}, *directory->view);
    if (!added.ok()) return added;
  }
  auto run = engine::SaveAttributionRun(**store, **spill, policy_spec, merged.measure);
  LeaveForExit(std::move(directory->view));
  return run;
}

}  // namespace openpal::cli
