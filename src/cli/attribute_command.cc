// `pal attribute`: credits the usage in cost exports to partners and writes the report, the unattributed cost and
// the reconciliation (contract: docs/spec-attribution.md; decisions: docs/attribution.md).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>
#include <tuple>

#include "cli/cli_dask.h"
#include "cli/cli_merged.h"
#include "cli/command.h"
#include "collect/blob_store.h"
#include "core/leave_for_exit.h"
#include "engine/compiled_index.h"
#include "store/open_store.h"
#include "engine/partial.h"
#include "engine/report_query.h"
#include "engine/report_writer.h"
#include "engine/run.h"
#include "ingest/input_file.h"

namespace openpal::cli {
namespace {

struct AttributeArgs {
  std::vector<std::string> usage;
  std::string db, index, role_policy = "all", measure = "effective", output = "csv", out, unattributed;
  std::string partial;  // write the run's exact partial result here instead of the report (pal merge)
  std::string range;    // START:END, bytes of the one --usage file (with --partial)
  bool quiet = false;
  bool save = false;  // keep the run in the database for `pal report` (docs/reports.md)
  bool timings = false;  // phase wall times on standard error
  int threads = 0;       // 0: one per core
  // Blob URLs among the --usage inputs (docs/blob-exports.md): their credentials and transport.
  std::string blob_sas_file, blob_key_file, blob_token_file, ca_file;
  int blob_list_page = 5000;
  // On a Dask cluster (docs/scale.md): the scheduler's address, where workers read the index, task size.
  std::string dask, dask_worker_index;
  uint64_t dask_task_bytes = 256ull << 20;
};

// A secret from a file (never the command line), trimmed of surrounding whitespace.
Result<std::string> ReadSecretFile(const std::string& path, const std::string& flag) {
  auto text = ingest::ReadRegularFile(path, flag + " " + path);
  if (!text.ok()) return text.status();
  std::string s = *text;
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  if (s.empty()) return Status::Error(StatusCode::kInvalidArgument, "the file is empty", flag + " " + path);
  return s;
}

// Replaces each blob URL among `args.usage` by the blobs it stands for (a store that reads them is made when there is
// one), leaving local paths as they are.
Result<std::vector<std::string>> ExpandInputs(const AttributeArgs& args, std::unique_ptr<collect::BlobStore>& store) {
  std::vector<std::string> files;
  for (const std::string& input : args.usage) {
    if (!collect::LooksLikeBlobUrl(input)) {
      files.push_back(input);
      continue;
    }
    if (!store) {
      collect::BlobStoreOptions options;
      // Files first, then the environment variables the Azure CLI reads (az storage --sas-token / --account-key).
      for (auto [file, flag, slot] : {std::tuple{&args.blob_sas_file, "--blob-sas-file", &options.credentials.sas},
                                      std::tuple{&args.blob_key_file, "--blob-key-file", &options.credentials.account_key},
                                      std::tuple{&args.blob_token_file, "--blob-token-file", &options.credentials.bearer}}) {
        if (file->empty()) continue;
        auto secret = ReadSecretFile(*file, flag);
        if (!secret.ok()) return secret.status();
        *slot = *secret;
      }
      if (options.credentials.empty()) options.credentials = collect::BlobCredentialsFromEnvironment();
      options.ca_file = args.ca_file;
      options.list_page_size = args.blob_list_page;
      options.note = [quiet = args.quiet](const std::string& text) {
        if (!quiet) std::cerr << "attribute: " << text << "\n";
      };
      store = std::make_unique<collect::BlobStore>(std::move(options));
    }
    auto blobs = store->Expand(input);
    if (!blobs.ok()) return blobs.status();
    files.insert(files.end(), blobs->begin(), blobs->end());
  }
  return files;
}

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

// `--partial OUT`: the run's exact partial result, for `pal merge` (docs/partial-format.md).
int WritePart(const AttributeArgs& args, const engine::DirectoryView& index,
              const std::optional<engine::IndexIdentity>& identity, const RolePolicy& policy,
              const engine::AttributeOptions& options) {
  if (!identity) {
    std::cerr << "pal attribute: --partial: this store keeps no directory version, so parts could not be checked "
                 "against each other\n";
    return kExitFailure;
  }
  std::string policy_text = args.role_policy;
  if (policy_text != "all" && policy_text != "pec") {
    auto text = ingest::ReadRegularFile(args.role_policy, args.role_policy);
    if (!text.ok()) {
      std::cerr << "pal attribute: " << text.status().ToString() << "\n";
      return kExitFailure;
    }
    policy_text = std::move(text).value();
  }
  auto part = engine::AttributeToPartial(index, {identity->store_id, identity->directory_version}, policy, policy_text,
                                         args.measure, options);
  if (!part.ok()) {
    std::cerr << "pal attribute: " << part.status().ToString() << "\n";
    return kExitFailure;
  }
  return WritePartFile(args.partial, engine::PartialToBytes(*part), *part, args.quiet);
}

// "START:END", decimal byte offsets, START < END.
std::optional<engine::ByteRange> ParseRange(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  auto number = [](std::string_view digits) -> std::optional<uint64_t> {
    if (digits.empty() || digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string_view::npos)
      return std::nullopt;
    return std::stoull(std::string(digits));
  };
  auto begin = number(std::string_view(text).substr(0, colon)), end = number(std::string_view(text).substr(colon + 1));
  if (!begin || !end || *begin >= *end) return std::nullopt;
  return engine::ByteRange{*begin, *end};
}

int Attribute(const AttributeArgs& args) {
  if (!args.partial.empty() && (args.save || !args.out.empty() || !args.unattributed.empty())) {
    std::cerr << "pal attribute: --partial writes a part only: --save, --out and --unattributed belong to pal merge\n";
    return kExitUsage;
  }
  std::optional<engine::ByteRange> range;
  if (!args.range.empty()) {
    range = ParseRange(args.range);
    if (!range) {
      std::cerr << "pal attribute: --range " << args.range << ": expected START:END, byte offsets with START < END\n";
      return kExitUsage;
    }
    // A range's rejected rows are numbered in the whole file only once pal merge has the ranges before it.
    if (args.partial.empty() || args.usage.size() != 1) {
      std::cerr << "pal attribute: --range credits part of one file into a part: give one --usage file and --partial\n";
      return kExitUsage;
    }
  }
  auto policy = LoadPolicy(args.role_policy);
  if (!policy.ok()) {
    std::cerr << "pal attribute: " << policy.status().ToString() << "\n";
    return policy.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (!args.dask.empty()) {
    if (range) {
      std::cerr << "pal attribute: --range credits part of one file locally: not with --dask (which cuts large files "
                   "into byte ranges itself, --dask-task-bytes)\n";
      return kExitUsage;
    }
    DaskRunArgs dask{args.dask, {}, args.db, args.index, args.role_policy, args.measure, args.output, args.out,
                     args.unattributed, args.partial, args.dask_worker_index, args.dask_task_bytes, args.quiet,
                     args.save, args.timings};
    // Blob URLs are listed here, with pal's credentials; each worker reads its blobs with its own (docs/scale.md).
    std::unique_ptr<collect::BlobStore> blobs;
    auto files = ExpandInputs(args, blobs);
    if (!files.ok()) {
      std::cerr << "pal attribute: " << files.status().ToString() << "\n";
      return files.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    for (const std::string& file : *files) {
      const std::optional<uint64_t> size = blobs ? blobs->SizeOf(file) : std::nullopt;
      dask.files.push_back(size ? DaskInput{file, true, *size} : DaskInput{file, false, 0});
    }
    if (blobs && !args.quiet)
      std::cerr << "attribute: --dask: the workers read the blobs with their own credentials "
                   "($AZURE_STORAGE_SAS_TOKEN or $AZURE_STORAGE_KEY in their environment); pal's only listed them\n";
    return AttributeOnDask(dask);
  }
  engine::OutputFormat format = args.output == "json"    ? engine::OutputFormat::kJson
                                : args.output == "table" ? engine::OutputFormat::kTable
                                                         : engine::OutputFormat::kCsv;
  auto started = std::chrono::steady_clock::now();
  std::unique_ptr<collect::BlobStore> blobs;
  auto files = ExpandInputs(args, blobs);
  if (!files.ok()) {
    std::cerr << "pal attribute: " << files.status().ToString() << "\n";
    return files.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  auto store = OpenExistingStore(args.db, args.save ? StoreAccess::kReadWrite : StoreAccess::kReadOnly);
  if (!store.ok()) {
    std::cerr << "pal attribute: " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  auto directory = engine::LoadDirectory(
      **store, {args.index.empty() ? StoreSideFile(ResolveDbPath(args.db), ".index") : args.index, !args.index.empty(),
                &std::cerr});
  if (!directory.ok()) {
    std::cerr << "pal attribute: " << directory.status().ToString() << "\n";
    return kExitFailure;
  }
  std::unique_ptr<engine::DirectoryView> index = std::move(directory->view);
  const std::optional<engine::IndexIdentity> identity = directory->identity;
  auto indexed = std::chrono::steady_clock::now();
  engine::PhaseTimes times;
  engine::AttributeOptions options;
  options.times = &times;
  options.files = *files;
  options.store = blobs.get();
  options.measure = args.measure == "billed" ? usage::Measure::kBilled : usage::Measure::kEffective;
  options.progress = !args.quiet && ::isatty(STDERR_FILENO);
  options.rejected_log = &std::cerr;
  options.skip_cleanup = true;
  options.threads = args.threads > 0 ? args.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.range = range;
  if (!args.partial.empty()) {
    const int code = WritePart(args, *index, identity, *policy, options);
    LeaveForExit(std::move(index));
    return code;
  }
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
    result = engine::AttributeEachFile(*index, *policy, options,
                                       [&](const engine::FileResult& file) { return spill->Add(file, *index); });
  } else {
    result = engine::RunAttribution(*index, *policy, options);
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
  LeaveForExit(std::move(index));
  for (const auto& c : result->reconciliation)
    if (!c.balances()) return kExitFailure;  // cannot happen by construction; never hide it if it does
  return kExitOk;
}

const bool registered = RegisterCommand(Command{
    "attribute", 40, [](CLI::App& app) -> std::function<int()> {
      auto args = std::make_shared<AttributeArgs>();
      CLI::App* sub = app.add_subcommand(
          "attribute", "Credit the usage in cost exports (FOCUS or Azure Cost Management, plain or gzip) to partners");
      sub->add_option("--usage", args->usage,
                      "Usage files (CSV or CSV.gz), any number; or Azure Blob Storage URLs: a blob, or a folder of "
                      "Cost Management export runs (https://ACCOUNT.blob.core.windows.net/CONTAINER/PATH)")
          ->required()
          ->expected(1, -1);
      sub->add_option("--blob-sas-file", args->blob_sas_file,
                      "Blob URLs: a file holding a SAS token (else the URL's own query, or $AZURE_STORAGE_SAS_TOKEN)");
      sub->add_option("--blob-key-file", args->blob_key_file,
                      "Blob URLs: a file holding the storage account key (Shared Key; else $AZURE_STORAGE_KEY)");
      sub->add_option("--blob-token-file", args->blob_token_file,
                      "Blob URLs: a file holding an OAuth bearer token for https://storage.azure.com/");
      sub->add_option("--ca-file", args->ca_file, "Blob URLs: a PEM bundle to trust instead of the system's CAs");
      sub->add_option("--blob-list-page", args->blob_list_page, "Blob URLs: blobs per listing page (1-5000)")
          ->check(CLI::Range(1, 5000));
      sub->add_option("--db", args->db, "Database: an SQLite file or a postgresql:// URI (default $OPENPAL_DB or ./openpal.db)");
      sub->add_option("--index", args->index,
                      "Compiled directory index to use; it must be fresh (default: <db>.index when present)");
      sub->add_option("--role-policy", args->role_policy, "all (default), pec, or a file of role GUIDs");
      sub->add_option("--measure", args->measure, "FOCUS measure: effective (EffectiveCost, default) or billed")
          ->check(CLI::IsMember({"effective", "billed"}));
      sub->add_option("--output", args->output, "Report format: csv (default), json or table")
          ->check(CLI::IsMember({"csv", "json", "table"}));
      sub->add_option("--out", args->out, "Write the report to this file (default: standard output)");
      sub->add_option("--unattributed", args->unattributed,
                      "Write cost not credited, per subscription, month, currency and reason, to this file");
      sub->add_option("--partial", args->partial,
                      "Write this run's exact partial result to this file instead of the report; pal merge combines parts");
      sub->add_option("--range", args->range,
                      "With --partial and one --usage file: credit only the records that start in bytes START:END of "
                      "it (ranges that cover the file credit each record once; pal merge joins them)");
      sub->add_option("--dask", args->dask,
                      "Run on a Dask cluster: the scheduler's address (tcp://HOST:PORT); workers need build/python on "
                      "their PYTHONPATH, and the files at the same paths; blob URLs are read by the workers with the "
                      "credentials of their own environment, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_KEY (docs/scale.md)");
      sub->add_option("--dask-worker-index", args->dask_worker_index,
                      "With --dask: workers open the compiled index at this path (shared storage) instead of "
                      "receiving it from pal");
      sub->add_option("--dask-task-bytes", args->dask_task_bytes,
                      "With --dask: tasks of about this many bytes: small files grouped, large ones cut into byte ranges "
                      "(blobs never are; default 256 MiB; 0: one task per file)")
          ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 40));
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
