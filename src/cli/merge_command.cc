// `pal merge PART...`: combines the parts written by `pal attribute --partial` into the report one run over all
// their inputs gives, byte for byte (docs/partial-format.md).
#include <sys/stat.h>

#include <iostream>

#include "cli/command.h"
#include "core/leave_for_exit.h"
#include "engine/compiled_index.h"
#include "engine/partial.h"
#include "engine/report_query.h"
#include "engine/report_writer.h"
#include "engine/run_spill.h"
#include "ingest/input_file.h"

namespace openpal::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> parts;
  std::string output = "csv", out, unattributed;
  bool quiet = false;
  bool save = false;        // keep the merged run in the database, as pal attribute --save does
  std::string db, role_policy;  // --save: the store, and the policy file when the parts' policy is a file's content
};

// `--save`: the merged run saved as `pal attribute --save` saves one: each input's rows, path, SHA-256 (read now from
// the file, which must still have the size it was credited at) and rows read. Returns the run's ID.
Result<int64_t> SaveMerged(const MergeArgs& args, const engine::Partial& merged) {
  std::string policy_spec = merged.role_policy;
  if (policy_spec != "all" && policy_spec != "pec") {
    // The parts hold the policy's content; the saved run names its file (file:<path> sha256:<hex>).
    if (args.role_policy.empty())
      return Status::Error(StatusCode::kInvalidArgument,
                           "--save: the parts were credited under a role policy file: name it with --role-policy FILE");
    auto text = ingest::ReadRegularFile(args.role_policy, args.role_policy);
    if (!text.ok()) return text.status();
    if (*text != merged.role_policy)
      return Status::Error(StatusCode::kFailedPrecondition, "--save: not the role policy the parts were credited under",
                           args.role_policy);
    policy_spec = args.role_policy;
  } else if (!args.role_policy.empty() && args.role_policy != policy_spec) {
    return Status::Error(StatusCode::kFailedPrecondition,
                         "--save: the parts were credited under role policy " + policy_spec, args.role_policy);
  }
  auto store = OpenExistingStore(args.db, StoreAccess::kReadWrite);
  if (!store.ok()) return store.status();
  auto directory = engine::LoadDirectory(**store, {engine::DefaultIndexPath(ResolveDbPath(args.db)), false, &std::cerr});
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
    struct stat st {};
    if (::stat(input.path.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) != input.size)
      return Status::Error(StatusCode::kFailedPrecondition,
                           "--save: the input is not here at the " + std::to_string(input.size) +
                               " bytes it was credited at (its SHA-256 goes into the saved run)",
                           input.path);
    auto sha = engine::Sha256OfFile(input.path);
    if (!sha.ok()) return sha.status();
    Status added = (*spill)->Add(engine::FileResult{input.path, *sha, input.result}, *directory->view);
    if (!added.ok()) return added;
  }
  auto run = engine::SaveAttributionRun(**store, **spill, policy_spec, merged.measure);
  LeaveForExit(std::move(directory->view));
  return run;
}

int Merge(const MergeArgs& args) {
  std::vector<engine::Partial> parts;
  for (const auto& path : args.parts) {
    auto part = engine::ReadPartialFile(path);
    if (!part.ok()) {
      std::cerr << "pal merge: " << part.status().ToString() << "\n";
      return kExitFailure;
    }
    parts.push_back(std::move(part).value());
  }
  auto merged = engine::MergePartials(std::move(parts));
  if (!merged.ok()) {
    std::cerr << "pal merge: " << merged.status().ToString() << "\n";
    return kExitFailure;
  }
  // A report over part of a file would be wrong without saying so: every byte range of each input must be here.
  if (Status complete = engine::CheckComplete(*merged); !complete.ok()) {
    std::cerr << "pal merge: " << complete.ToString() << "\n";
    return kExitFailure;
  }
  engine::WriteRejectedLines(*merged, std::cerr);
  const engine::OutputFormat format = args.output == "json"    ? engine::OutputFormat::kJson
                                      : args.output == "table" ? engine::OutputFormat::kTable
                                                               : engine::OutputFormat::kCsv;
  Status written = Status::Ok();
  if (args.out.empty()) {
    engine::WriteReport(merged->result, format, std::cout);
    written = FlushStandardOutput();
  } else {
    written = WriteOutputFile(args.out, [&](std::ostream& out) { engine::WriteReport(merged->result, format, out); });
  }
  if (written.ok() && !args.unattributed.empty()) {
    written = WriteOutputFile(args.unattributed, [&](std::ostream& out) {
      engine::WriteUnattributed(merged->result,
                                format == engine::OutputFormat::kJson ? format : engine::OutputFormat::kCsv, out);
    });
  }
  if (!written.ok()) {
    std::cerr << "pal merge: " << written.ToString() << "\n";
    return kExitFailure;
  }
  if (!args.quiet) {
    engine::WriteReconciliation(merged->result, std::cerr);
    std::cerr << "merge: " << args.parts.size() << " parts, " << merged->result.report.size() << " report rows, "
              << merged->result.unattributed.size() << " unattributed groups\n";
  }
  for (const auto& c : merged->result.reconciliation)
    if (!c.balances()) return kExitFailure;
  if (args.save) {
    auto run = SaveMerged(args, *merged);
    if (!run.ok()) {
      std::cerr << "pal merge: " << run.status().ToString() << "\n";
      return run.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    if (!args.quiet) std::cerr << "merge: saved as run " << *run << " (pal report --run " << *run << ")\n";
  }
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "merge", 42, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<MergeArgs>();
      CLI::App* sub = app.add_subcommand(
          "merge", "Combine parts written by pal attribute --partial into the report of one run over all their inputs");
      sub->add_option("PART", args->parts, "Part files, any number, any order")->required()->expected(1, -1);
      sub->add_option("--output", args->output, "Report format: csv (default), json or table")
          ->check(CLI::IsMember({"csv", "json", "table"}));
      sub->add_option("--out", args->out, "Write the report to this file (default: standard output)");
      sub->add_option("--unattributed", args->unattributed,
                      "Write cost not credited, per subscription, month, currency and reason, to this file");
      sub->add_flag("--quiet", args->quiet, "No reconciliation on standard error");
      sub->add_flag("--save", args->save,
                    "Keep the merged run (inputs, report, unattributed, reconciliation) for pal report, as pal attribute "
                    "--save does; the inputs must be readable here (their SHA-256 is recorded)");
      sub->add_option("--db", args->db,
                      "--save: the database the parts were credited against (default $OPENPAL_DB or ./openpal.db)");
      sub->add_option("--role-policy", args->role_policy,
                      "--save: the role policy file the parts were credited under (when it was a file)");
      return [args] { return Merge(*args); };
    }});

}  // namespace
}  // namespace openpal::cli
