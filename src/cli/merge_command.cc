// `pal merge PART...`: combines the parts written by `pal attribute --partial` into the report one run over all
// their inputs gives, byte for byte (docs/partial-format.md).
#include <iostream>

#include "cli/cli_merged.h"
#include "cli/command.h"
#include "engine/partial.h"
#include "engine/report_writer.h"

namespace openpal::cli {
namespace {

struct MergeArgs {
  std::vector<std::string> parts;
  std::string output = "csv", out, unattributed;
  bool quiet = false;
  bool save = false;        // keep the merged run in the database, as pal attribute --save does
  std::string db, role_policy;  // --save: the store, and the policy file when the parts' policy is a file's content
};

int Merge(const MergeArgs& args) {
  // One part read at a time and added: a merge of a month of daily parts holds the merged cells and one part.
  engine::PartialMerger merger;
  Status added = Status::Ok();
  for (size_t i = 0; i < args.parts.size() && added.ok(); ++i) {
    auto part = engine::ReadPartialFile(args.parts[i]);
    if (!part.ok()) {
      std::cerr << "pal merge: " << part.status().ToString() << "\n";
      return kExitFailure;
    }
    added = merger.Add(std::move(part).value());
  }
  Result<engine::Partial> merged = added.ok() ? merger.Finish() : Result<engine::Partial>(added);
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
  Status written = WriteMergedOutputs(*merged, args.output, args.out, args.unattributed);
  if (!written.ok()) {
    std::cerr << "pal merge: " << written.ToString() << "\n";
    return kExitFailure;
  }
  if (!args.quiet) {
    engine::WriteReconciliation(merged->result, std::cerr);
    std::cerr << "merge: " << args.parts.size() << " parts, " << merged->result.cells.size() << " report rows, "
              << merged->result.misses.size() << " unattributed groups\n";
  }
  for (const auto& c : merged->result.reconciliation)
    if (!c.balances()) return kExitFailure;
  if (args.save) {
    auto run = SaveMergedRun(*merged, args.db, "", args.role_policy);
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
