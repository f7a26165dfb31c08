// openpal._engine: the crediting engine for Python (pybind11): load a compiled index, credit inputs into a part,
// merge parts, render a part as pal writes it. The Dask driver's tasks call it in-process (docs/scale.md).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "collect/blob_store.h"
#include "core/roles.h"
#include "engine/compiled_index.h"
#include "engine/partial.h"
#include "engine/profile_cache.h"
#include "engine/report_writer.h"
#include "engine/run.h"

namespace py = pybind11;
using namespace openpal;

namespace {

// openpal.Error: every failure of the engine, with its message as pal prints it (file and line where there is one).
PyObject* g_error = nullptr;

[[noreturn]] void Raise(const Status& status) {
  PyErr_SetString(g_error, status.ToString().c_str());
  throw py::error_already_set();
}

// A compiled index, shared by every task of a worker that holds it (its memos fill once, on first use), and the
// profile caches its runs built, kept for the next calls of the same *session* under the same role policy: a local
// run over many files builds each profile once, and a worker crediting one task after another must not pay them
// again per task. A part carries the keys of every scope its cache profiled (partial.h), so a cache is shared only
// within a session (one pal attribute --dask run), whose parts are all merged together: their union is then exactly
// the scopes the run's rows reached, the local run's distinct-scope count. Without a session, a fresh cache.
struct Index {
  struct State {
    std::unique_ptr<engine::CompiledIndex> index;
    std::mutex mutex;
    // Idle caches by (session, policy text, threads); a call takes one (or builds one) and gives it back when done,
    // so calls on several threads at once never share a cache's slots.
    std::map<std::tuple<std::string, std::string, int>, std::vector<std::shared_ptr<engine::ProfileCache>>> idle;
    std::vector<std::string> sessions;  // the latest sessions, oldest first: the others' caches are dropped
  };
  std::shared_ptr<State> state;
  engine::CompiledIndex* get() const { return state ? state->index.get() : nullptr; }
};
constexpr size_t kIdleCachesPerPolicy = 4;
constexpr size_t kSessionsKept = 2;  // runs of a cluster may overlap; more would keep old runs' memory

// Takes an idle cache of `session` for `policy`/`threads`, or none. Registers the session as the latest, dropping
// the idle caches of sessions older than the last kSessionsKept.
std::shared_ptr<engine::ProfileCache> TakeCache(Index::State& state, const std::string& session,
                                                const std::string& policy, int threads) {
  std::lock_guard<std::mutex> lock(state.mutex);
  auto& sessions = state.sessions;
  if (std::find(sessions.begin(), sessions.end(), session) == sessions.end()) {
    sessions.push_back(session);
    if (sessions.size() > kSessionsKept) {
      const std::string oldest = sessions.front();
      sessions.erase(sessions.begin());
      std::erase_if(state.idle, [&](const auto& entry) { return std::get<0>(entry.first) == oldest; });
    }
  }
  auto& idle = state.idle[{session, policy, threads}];
  if (idle.empty()) return nullptr;
  auto cache = std::move(idle.back());
  idle.pop_back();
  return cache;
}

void GiveBackCache(Index::State& state, const std::string& session, const std::string& policy, int threads,
                   std::shared_ptr<engine::ProfileCache> cache) {
  std::lock_guard<std::mutex> lock(state.mutex);
  if (std::find(state.sessions.begin(), state.sessions.end(), session) == state.sessions.end()) return;  // dropped
  auto& idle = state.idle[{session, policy, threads}];
  if (idle.size() < kIdleCachesPerPolicy) idle.push_back(std::move(cache));
}

Index OpenIndex(const std::string& path) {
  Result<std::unique_ptr<engine::CompiledIndex>> opened = Status::Ok();
  {
    py::gil_scoped_release released;
    opened = engine::CompiledIndex::Open(path);
  }
  if (!opened.ok()) Raise(opened.status());
  Index index{std::make_shared<Index::State>()};
  index.state->index = std::move(opened).value();
  return index;
}

Index IndexFromBytes(const py::bytes& bytes, const std::string& name) {
  std::string_view view = bytes;  // the bytes object is held by the caller for the call's duration
  Result<std::unique_ptr<engine::CompiledIndex>> loaded = Status::Ok();
  {
    py::gil_scoped_release released;
    loaded = engine::CompiledIndex::FromBytes(view, name);
  }
  if (!loaded.ok()) Raise(loaded.status());
  Index index{std::make_shared<Index::State>()};
  index.state->index = std::move(loaded).value();
  return index;
}

Result<RolePolicy> PolicyOf(const std::string& text) {
  if (text == "all") return RolePolicy::All();
  if (text == "pec") return RolePolicy::Pec();
  return RolePolicy::FromText(text, "role policy");
}

// Replaces `from` by `to` where a message names an input (a worker may open a path other than the one the user gave,
// e.g. made absolute; errors and rejected rows must name it as a local run does).
std::string Relabel(std::string text, const std::string& from, const std::string& to) {
  if (from == to || from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// A part as a Python bytes object, written in place (no copy of the encoded part): sized and filled without the
// GIL, which is held only to allocate the object.
py::bytes PartBytes(const engine::Partial& part) {
  size_t size = 0;
  {
    py::gil_scoped_release released;
    size = engine::PartialByteSize(part);
  }
  PyObject* object = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
  if (!object) throw py::error_already_set();
  py::bytes bytes = py::reinterpret_steal<py::bytes>(object);
  {
    py::gil_scoped_release released;
    engine::PartialToBuffer(part, PyBytes_AS_STRING(object));
  }
  return bytes;
}

py::bytes Attribute(const Index& index, const std::vector<py::object>& inputs, const std::string& role_policy,
                    const std::string& measure, const std::optional<std::vector<std::string>>& labels, int threads,
                    const std::optional<std::string>& session, bool per_input,
                    const std::optional<std::map<std::string, uint64_t>>& blobs) {
  if (!index.get()) Raise(Status::Error(StatusCode::kInvalidArgument, "no index"));
  if (measure != "effective" && measure != "billed")
    Raise(Status::Error(StatusCode::kInvalidArgument, "measure must be effective or billed, not " + measure));
  if (labels && labels->size() != inputs.size())
    Raise(Status::Error(StatusCode::kInvalidArgument, "labels must name every input (one label per input)"));
  engine::AttributeOptions options;
  for (const py::object& input : inputs) {
    if (py::isinstance<py::str>(input)) {
      options.files.push_back(input.cast<std::string>());
    } else {
      // (path, start, end): the records that start in bytes [start, end) of one file (cut() gives ranges on line
      // starts); merge() joins the ranges of a file and numbers its rejected rows in the whole file.
      auto [path, start, end] = input.cast<std::tuple<std::string, uint64_t, uint64_t>>();
      if (inputs.size() != 1)
        Raise(Status::Error(StatusCode::kInvalidArgument, "a byte range is credited alone: one (path, start, end) per call"));
      if (start >= end)
        Raise(Status::Error(StatusCode::kInvalidArgument, "a byte range needs start < end", path));
      options.files.push_back(path);
      options.range = engine::ByteRange{start, end};
    }
  }
  // Blob inputs (addresses as pal lists them, with their sizes): read with this process's own credentials, from its
  // environment (a worker's; never shipped in a task), and $OPENPAL_BLOB_CA_FILE as pal's --ca-file.
  std::unique_ptr<collect::BlobStore> store;
  if (blobs && !blobs->empty()) {
    collect::BlobStoreOptions store_options;
    store_options.credentials = collect::BlobCredentialsFromEnvironment();
    if (const char* ca = std::getenv("OPENPAL_BLOB_CA_FILE"); ca && *ca) store_options.ca_file = ca;
    store = std::make_unique<collect::BlobStore>(std::move(store_options));
    for (const auto& [address, size] : *blobs)
      if (Status adopted = store->Adopt(address, size); !adopted.ok()) Raise(adopted);
    options.store = store.get();
  }
  auto policy = PolicyOf(role_policy);
  if (!policy.ok()) Raise(policy.status());
  options.measure = measure == "billed" ? usage::Measure::kBilled : usage::Measure::kEffective;
  options.threads = std::max(1, std::min(threads, engine::kMaxThreads));
  options.skip_cleanup = false;  // a worker lives on: its memory must come back after each task
  std::ostringstream notes;
  options.rejected_log = &notes;
  Result<engine::Partial> part = Status::Ok();
  {
    py::gil_scoped_release released;
    const engine::IndexIdentity& id = index.get()->identity();
    if (session) options.profiles = TakeCache(*index.state, *session, role_policy, options.threads);
    if (!options.profiles) {
      options.profiles = std::make_shared<engine::ProfileCache>(*index.get(), *policy, options.threads);
      // The session's next tasks reuse it: each resource is then resolved once per worker, not once per task.
      options.profiles->KeepMemos(session.has_value());
    }
    part = engine::AttributeToPartial(*index.get(), {id.store_id, id.directory_version}, *policy, role_policy, measure,
                                      options, per_input);
    // A failed call's scopes are in no part: its cache is not reused (the next part would not carry them).
    if (session && part.ok())
      GiveBackCache(*index.state, *session, role_policy, options.threads, std::move(options.profiles));
    if (part.ok() && labels) {
      // Rejected rows name their input through the part's input list: relabelling it renames them too.
      for (size_t i = 0; i < part->inputs.size() && i < labels->size(); ++i) part->inputs[i].path = (*labels)[i];
    }
  }
  if (!part.ok()) {
    std::string message = part.status().ToString();
    // Refused by the storage service: the credentials are the worker's own, so say where they come from.
    if (store && part.status().code() == StatusCode::kPermissionDenied)
      message += " (this process's blob credentials: $AZURE_STORAGE_SAS_TOKEN or $AZURE_STORAGE_KEY in its "
                 "environment, " + std::string(collect::BlobCredentialsFromEnvironment().empty() ? "neither is set"
                                                                                                 : "one is set") + ")";
    if (labels)
      for (size_t i = 0; i < options.files.size(); ++i) message = Relabel(message, options.files[i], (*labels)[i]);
    PyErr_SetString(g_error, message.c_str());
    throw py::error_already_set();
  }
  return PartBytes(*part);
}

// Each part is decoded only when the merge reaches it and freed once added: a merge task holds the merged cells and
// one decoded part (besides the parts' bytes, which Dask holds), not every part decoded at once.
py::bytes Merge(const std::vector<py::bytes>& parts) {
  std::vector<std::string_view> views(parts.begin(), parts.end());
  Result<engine::Partial> merged = Status::Ok();  // a placeholder: always assigned below
  {
    py::gil_scoped_release released;
    engine::PartialMerger merger;
    Status added = Status::Ok();
    for (size_t i = 0; i < views.size() && added.ok(); ++i) {
      auto part = engine::PartialFromBytes(views[i], "part " + std::to_string(i + 1));
      added = part.ok() ? merger.Add(std::move(part).value()) : part.status();
    }
    merged = added.ok() ? merger.Finish() : Result<engine::Partial>(added);
  }
  if (!merged.ok()) Raise(merged.status());
  return PartBytes(*merged);
}

engine::Partial ReadOne(const py::bytes& part) {
  std::string_view view = part;
  auto read = engine::PartialFromBytes(view, "part");
  if (!read.ok()) Raise(read.status());
  return std::move(read).value();
}

// The texts pal merge writes for `part`: the report in `output`, the unattributed groups (CSV, or JSON with json),
// the reconciliation and the rejected-row listing (standard error's), and whether every currency balances.
py::dict Render(const py::bytes& part_bytes, const std::string& output) {
  if (output != "csv" && output != "json" && output != "table")
    Raise(Status::Error(StatusCode::kInvalidArgument, "output must be csv, json or table, not " + output));
  engine::Partial part = ReadOne(part_bytes);
  // As pal merge: a report over part of a file would be wrong without saying so.
  if (Status complete = engine::CheckComplete(part); !complete.ok()) Raise(complete);
  const engine::OutputFormat format = output == "json"    ? engine::OutputFormat::kJson
                                      : output == "table" ? engine::OutputFormat::kTable
                                                          : engine::OutputFormat::kCsv;
  std::ostringstream report, unattributed, reconciliation, rejected;
  bool balances = true;
  {
    py::gil_scoped_release released;
    const engine::AttributionResult result = engine::NameCells(part.result);
    engine::WriteReport(result, format, report);
    engine::WriteUnattributed(result, format == engine::OutputFormat::kJson ? format : engine::OutputFormat::kCsv,
                              unattributed);
    engine::WriteReconciliation(part.result, reconciliation);
    engine::WriteRejectedLines(part, rejected);
    for (const auto& c : part.result.reconciliation) balances = balances && c.balances();
  }
  py::dict out;
  out["report"] = report.str();
  out["unattributed"] = unattributed.str();
  out["reconciliation"] = reconciliation.str();
  out["rejected"] = rejected.str();
  out["balances"] = balances;
  return out;
}

// CutIntoRanges: at most `n` byte ranges of `path` on line starts, covering it (one range for gzip or a small file).
std::vector<std::pair<uint64_t, uint64_t>> Cut(const std::string& path, int n) {
  Result<std::vector<engine::ByteRange>> ranges = Status::Ok();
  {
    py::gil_scoped_release released;
    ranges = engine::CutIntoRanges(path, std::max(1, n));
  }
  if (!ranges.ok()) Raise(ranges.status());
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& r : *ranges) out.emplace_back(r.begin, r.end);
  return out;
}

py::dict Summary(const py::bytes& part_bytes) {
  engine::Partial part = ReadOne(part_bytes);
  py::dict out;
  out["store_id"] = part.directory.store_id;
  out["directory_version"] = part.directory.version;
  out["role_policy"] = part.role_policy;
  out["measure"] = part.measure;
  py::list inputs;
  for (const auto& input : part.inputs) inputs.append(py::make_tuple(input.path, input.size));
  out["inputs"] = inputs;
  out["rows_read"] = part.result.rows_read;
  out["report_rows"] = part.result.cells.size();
  out["unattributed_groups"] = part.result.misses.size();
  out["distinct_scopes"] = part.result.distinct_scopes;
  out["rejected_rows"] = part.rejected_total;
  out["per_input"] = part.per_input;
  return out;
}

}  // namespace

PYBIND11_MODULE(_engine, m) {
  m.doc() = "openpal's crediting engine: compiled index, parts, merge and rendering (docs/scale.md)";
  static py::exception<std::runtime_error> error(m, "Error");
  g_error = error.ptr();

  py::class_<Index>(m, "Index", "A compiled directory index (pal index build), read in place")
      .def_static("open", &OpenIndex, py::arg("path"), "Maps the compiled index at `path` (checked as pal checks it)")
      .def_static("from_bytes", &IndexFromBytes, py::arg("data"), py::arg("name") = "compiled index (bytes)",
                  "An index from its bytes (e.g. received by a Dask task), copied once")
      .def_property_readonly("store_id", [](const Index& i) { return i.get()->identity().store_id; })
      .def_property_readonly("directory_version", [](const Index& i) { return i.get()->identity().directory_version; })
      .def_property_readonly("checksum", [](const Index& i) { return i.get()->identity().checksum; });

  m.def("attribute", &Attribute, py::arg("index"), py::arg("inputs"), py::arg("role_policy") = "all",
        py::arg("measure") = "effective", py::arg("labels") = py::none(), py::arg("threads") = 1,
        py::arg("session") = py::none(), py::arg("per_input") = true, py::arg("blobs") = py::none(),
        "Credits the usage files `inputs` (paths, or one (path, start, end) byte range) against `index` and returns "
        "the part (bytes, docs/partial-format.md). "
        "role_policy: 'all', 'pec' or a policy file's text. labels: the names errors and rejected rows give each "
        "input (default: the path). session: calls of one session share the resources' profiles (built once); give "
        "one to the calls whose parts are merged together (a part then counts the scopes it was first to profile in "
        "the session; their merge's count is exact). Default: none shared. per_input: keep each input's own result (what pal merge "
        "--save needs); False keeps only their sum, a part smaller by about the number of inputs. blobs: {address: size} for "
        "inputs that are Azure blobs (addresses and sizes as pal lists them), read with the credentials of this "
        "process's environment ($AZURE_STORAGE_SAS_TOKEN or $AZURE_STORAGE_KEY).");
  m.def("merge", &Merge, py::arg("parts"),
        "Merges parts (bytes) into one part: a single run's over all their inputs. Rejected rows are listed in the "
        "order of the parts.");
  m.def("render", &Render, py::arg("part"), py::arg("output") = "csv",
        "The report, unattributed and reconciliation texts (and the rejected-row listing) of a part, as pal merge "
        "writes them; 'balances' is False if a currency does not reconcile");
  m.def("cut", &Cut, py::arg("path"), py::arg("n"),
        "At most n byte ranges (start, end) of a file on line starts, covering it, to credit apart; a gzip or "
        "small file is one range");
  m.def("summary", &Summary, py::arg("part"), "What a part holds: its directory, inputs and counts");
}
