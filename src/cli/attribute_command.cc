// `pal attribute`: credits the usage in cost exports to partners and writes the report, the unattributed cost and
// the reconciliation (contract: docs/spec-attribution.md; decisions: docs/attribution.md).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/command.h"
#include "core/leave_for_exit.h"
#include "engine/directory_index.h"
#include "engine/report_query.h"
#include "engine/report_writer.h"
#include "engine/run.h"
#include "ingest/input_file.h"

namespace openpal::cli {
namespace {

struct AttributeArgs {
  std::vector<std::string> usage;
  std::string db, role_policy = "all", measure = "effective", output = "csv", out, unattributed;
  bool quiet = false;
  bool save = false;  // keep the run in the database for `pal report` (docs/reports.md)
  bool timings = false;  // phase wall times on standard error
  int threads = 0;       // 0: one per core
};

Result<RolePolicy> LoadPolicy(const std::string& spec) {
  if (spec == "all") return RolePolicy::All();
  if (spec == "pec") return RolePolicy::Pec();
  std::error_code ec;
  if (!std::filesystem::exists(spec, ec))
    return Status::Error(StatusCode::kInvalidArgument, "--role-policy is neither all, pec nor a readable file", spec);
  auto text = ingest::ReadRegularFile(spec, spec);  // a FIFO or a device is refused, not read forever
  if (!text.ok()) return text.status();
  return RolePolicy::FromText(*text, spec);
}

int Attribute(const AttributeArgs& args) {
  auto policy = LoadPolicy(args.role_policy);
  if (!policy.ok()) {
    std::cerr << "pal attribute: " << policy.status().ToString() << "\n";
    return policy.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  engine::OutputFormat format = args.output == "json"    ? engine::OutputFormat::kJson
                                : args.output == "table" ? engine::OutputFormat::kTable
                                                         : engine::OutputFormat::kCsv;
  auto started = std::chrono::steady_clock::now();
  auto store = OpenExistingStore(args.db, args.save ? StoreAccess::kReadWrite : StoreAccess::kReadOnly);
  if (!store.ok()) {
    std::cerr << "pal attribute: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  auto index = engine::DirectoryIndex::Load(**store);
  if (!index.ok()) {
    std::cerr << "pal attribute: " << index.status().ToString() << "\n";
    return kExitFailure;
  }
  auto indexed = std::chrono::steady_clock::now();
  engine::PhaseTimes times;
  engine::AttributeOptions options;
  options.times = &times;
  options.files = args.usage;
  options.measure = args.measure == "billed" ? usage::Measure::kBilled : usage::Measure::kEffective;
  options.progress = !args.quiet && ::isatty(STDERR_FILENO);
  options.rejected_log = &std::cerr;
  options.skip_cleanup = true;
  options.threads = args.threads > 0 ? args.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // --save credits each file on its own (same sums), so the saved run knows each file's rows (docs/reports.md). Each
  // file's rows go to temporary files as the file ends, so memory does not grow with the number of files.
  std::unique_ptr<engine::RunSpill> spill;
  Result<engine::AttributionResult> result = engine::AttributionResult{};
  if (args.save) {
    auto created = engine::RunSpill::Create();
    if (!created.ok()) {
      std::cerr << "pal attribute: --save: " << created.status().ToString() << "\n";
      return kExitFailure;
    }
    spill = std::move(created).value();
    result = engine::AttributeEachFile(**index, *policy, options,
                                       [&](const engine::FileResult& file) { return spill->Add(file, **index); });
  } else {
    result = engine::RunAttribution(**index, *policy, options);
  }
  if (!result.ok()) {
    std::cerr << "pal attribute: " << result.status().ToString() << "\n";
    return kExitFailure;
  }
  auto written_from = std::chrono::steady_clock::now();
  // Each output is flushed and checked before anything is saved: a report that did not reach its file is a failure.
  Status written = Status::Ok();
  if (args.out.empty()) {
    engine::WriteReport(*result, format, std::cout);
    written = FlushStandardOutput();
  } else {
    written = WriteOutputFile(args.out, [&](std::ostream& out) { engine::WriteReport(*result, format, out); });
  }
  if (written.ok() && !args.unattributed.empty()) {
    written = WriteOutputFile(args.unattributed, [&](std::ostream& out) {
      engine::WriteUnattributed(*result, format == engine::OutputFormat::kJson ? format : engine::OutputFormat::kCsv,
                                out);
    });
  }
  if (!written.ok()) {
    std::cerr << "pal attribute: " << written.ToString() << "\n";
    return kExitFailure;
  }
  using Seconds = std::chrono::duration<double>;
  const double write_seconds = Seconds(std::chrono::steady_clock::now() - written_from).count();
  if (args.timings && !args.save) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "timings: directory %.2f s, credit %.2f s, combine %.2f s, finish %.2f s, write %.2f s\n",
                  Seconds(indexed - started).count(), times.credit, times.combine, times.finish, write_seconds);
    std::cerr << line;
  }
  if (args.save) {
    const auto saving = std::chrono::steady_clock::now();
    const size_t files = spill->info().files.size();
    auto run = engine::SaveAttributionRun(**store, *spill, args.role_policy, args.measure);
    if (!run.ok()) {
      std::cerr << "pal attribute: --save: " << run.status().ToString() << "\n";
      return kExitFailure;
    }
    if (args.timings) {  // with --save each file is credited in a run of its own, then the files are summed
      char line[256];
      std::snprintf(line, sizeof line,
                    "timings: directory %.2f s, credit %.2f s (%zu file%s, each on its own, summed), write %.2f s, "
                    "save %.2f s\n",
                    Seconds(indexed - started).count(), Seconds(written_from - indexed).count(), files,
                    files == 1 ? "" : "s", write_seconds,
                    Seconds(std::chrono::steady_clock::now() - saving).count());
      std::cerr << line;
    }
    if (!args.quiet) std::cerr << "attribute: saved as run " << *run << " (pal report --run " << *run << ")\n";
  }
  if (!args.quiet) {
    engine::WriteReconciliation(*result, std::cerr);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "attribute: " << result->report.size() << " report rows, " << result->unattributed.size()
              << " unattributed groups, " << result->distinct_scopes << " distinct scopes, " << seconds << " s\n";
  }
  // The index is large and about to be reclaimed by the exit: freeing it object by object takes seconds.
  LeaveForExit(std::move(index).value());
  for (const auto& c : result->reconciliation)
    if (!c.balances()) return kExitFailure;  // cannot happen by construction; never hide it if it does
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "attribute", 40, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<AttributeArgs>();
      CLI::App* sub = app.add_subcommand(
          "attribute", "Credit the usage in cost exports (FOCUS or Azure Cost Management, plain or gzip) to partners");
      sub->add_option("--usage", args->usage, "Usage files (CSV or CSV.gz), any number")->required()->expected(1, -1);
      sub->add_option("--db", args->db, "Database: an SQLite file or a postgresql:// URI (default $OPENPAL_DB or ./openpal.db)");
      sub->add_option("--role-policy", args->role_policy, "all (default), pec, or a file of role GUIDs");
      sub->add_option("--measure", args->measure, "FOCUS measure: effective (EffectiveCost, default) or billed")
          ->check(CLI::IsMember({"effective", "billed"}));
      sub->add_option("--output", args->output, "Report format: csv (default), json or table")
          ->check(CLI::IsMember({"csv", "json", "table"}));
      sub->add_option("--out", args->out, "Write the report to this file (default: standard output)");
      sub->add_option("--unattributed", args->unattributed,
                      "Write cost not credited, per subscription, month, currency and reason, to this file");
      sub->add_flag("--save", args->save, "Keep this run (inputs, report, unattributed, reconciliation) for pal report");
      sub->add_flag("--quiet", args->quiet, "No progress line, no reconciliation on standard error");
      sub->add_option("--threads", args->threads,
                      "Threads crediting a large plain file in parts (default: one per core, at most 16)")
          ->check(CLI::Range(1, 16));
      sub->add_flag("--timings", args->timings,
                    "Wall time of each phase (directory load, crediting, combining, sorting, writing) on standard error");
      return [args] { return Attribute(*args); };
    }});

}  // namespace
}  // namespace openpal::cli
