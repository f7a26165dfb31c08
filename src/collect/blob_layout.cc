// BlobStore::Expand: which blobs a URL stands for, following Cost Management's export layout (docs/blob-exports.md):
// each run writes ROOT/EXPORT/YYYYMMDD-YYYYMMDD/RUN/ with its partitioned files and a manifest.json listing them
// ("Tutorial: Create and manage Cost Management exports", learn.microsoft.com/azure/cost-management-billing/costs/
// tutorial-improved-exports, "File partitioning for large datasets").
#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <set>

#include "collect/blob_store.h"

namespace openpal::collect {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
bool EndsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && Lower(s.substr(s.size() - tail.size())) == tail;
}
std::string Dirname(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? "" : name.substr(0, slash);
}
std::string Basename(const std::string& name) {
  size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}
bool IsManifest(const std::string& name) {
  std::string base = Lower(Basename(name));
  return base == "manifest.json" || base == "_manifest.json";
}
bool IsCsv(const std::string& name) { return EndsWith(name, ".csv") || EndsWith(name, ".csv.gz"); }
bool IsParquet(const std::string& name) { return EndsWith(name, ".parquet"); }

// One export run described by its manifest.
struct Run {
  std::string manifest;   // blob name
  std::string group;      // runs of one export and period share it: the period folder and the export's name
  std::string submitted;  // runInfo.submittedTime (ISO 8601, UTC)
  std::vector<std::string> blobs;
};

}  // namespace

Result<std::vector<std::string>> BlobStore::Expand(const std::string& url) {
  auto where = ParseBlobUrl(url);
  if (!where.ok()) return where.status();
  const std::string shown = WithoutQuery(url);
  auto note = [&](const std::string& text) {
    if (options_.note) options_.note(text);
  };
  std::deque<BlobInfo> listed;  // a deque: blobs found later keep the earlier ones' addresses (by_name) valid
  bool single = false;
  // A blob with exactly the URL's name is that blob; otherwise the URL is a folder. Listings are in name order, so
  // such a blob is the first name with that prefix: one name of one page tells.
  if (!where->path.empty() && where->path.back() != '/') {
    auto found = List(*where, where->path, /*limit=*/1);
    if (!found.ok()) return found.status();
    for (auto& b : *found)
      if (b.where.path == where->path) {
        listed = {b};
        single = true;
      }
  }
  if (!single) {
    std::string prefix = where->path.empty() || where->path.back() == '/' ? where->path : where->path + "/";
    auto found = List(*where, prefix);
    if (!found.ok()) return found.status();
    listed.assign(found->begin(), found->end());
    if (listed.empty())
      return Status::Error(StatusCode::kNotFound,
                           where->path.empty() ? "the container holds no blobs"
                                               : "no blob has this name, and none is under " + prefix,
                           shown);
  }
  std::map<std::string, const BlobInfo*> by_name;
  for (const auto& b : listed) by_name[b.where.path] = &b;

  std::vector<std::string> chosen;  // blob names in reading order
  std::set<std::string> run_folders;  // folders of runs that have a manifest: only its list is read there
  std::set<std::string> in_manifests;  // every blob a manifest lists (read with its run, or not at all)
  std::vector<Run> runs;
  std::vector<BlobInfo> manifests;
  for (const auto& b : listed)
    if (IsManifest(b.where.path)) manifests.push_back(b);
  for (const auto& b : manifests) {
    const std::string address = b.where.BlobAddress(b.where.path);
    auto text = ReadSmall(b);
    if (!text.ok()) return text.status();
    nlohmann::json manifest = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (!manifest.is_object() || !manifest.contains("blobs") || !manifest["blobs"].is_array())
      return Status::Error(StatusCode::kCorruption, "not a Cost Management export manifest: expected an object with \"blobs\": [...]",
                           address);
    Run run;
    run.manifest = b.where.path;
    const std::string folder = Dirname(b.where.path);
    std::string export_name;
    if (manifest.contains("exportConfig") && manifest["exportConfig"].is_object() &&
        manifest["exportConfig"].value("exportName", nlohmann::json()).is_string())
      export_name = manifest["exportConfig"]["exportName"].get<std::string>();
    if (manifest.contains("runInfo") && manifest["runInfo"].is_object() &&
        manifest["runInfo"].value("submittedTime", nlohmann::json()).is_string())
      run.submitted = manifest["runInfo"]["submittedTime"].get<std::string>();
    run.group = Dirname(folder) + "\n" + export_name;
    size_t index = 0;
    for (const auto& entry : manifest["blobs"]) {
      const std::string field = "blobs[" + std::to_string(index++) + "].blobName";
      if (!entry.is_object() || !entry.value("blobName", nlohmann::json()).is_string())
        return Status::Error(StatusCode::kCorruption, "expected " + field + " (a string)", address);
      std::string name = entry["blobName"].get<std::string>();
      name.erase(0, name.find_first_not_of(" /"));
      while (!name.empty() && name.back() == ' ') name.pop_back();
      // blobName is the path in the container; some writers put the container first, some give the run folder's
      // file name only: the first that exists is the blob.
      std::string resolved;
      for (const std::string& candidate : {name, name.rfind(where->container + "/", 0) == 0
                                                     ? name.substr(where->container.size() + 1)
                                                     : std::string(),
                                           folder.empty() ? Basename(name) : folder + "/" + Basename(name)})
        if (!candidate.empty() && by_name.count(candidate) && resolved.empty()) resolved = candidate;
      if (resolved.empty()) {
        auto exact = List(*where, name, /*limit=*/1);  // outside the listed folder?
        if (exact.ok())
          for (auto& e : *exact)
            if (e.where.path == name) {
              listed.push_back(e);
              by_name[name] = &listed.back();
              resolved = name;
            }
        if (resolved.empty())
          return Status::Error(StatusCode::kNotFound,
                               "the manifest lists " + field + " = \"" + name + "\", and no such blob exists (" +
                                   where->BlobAddress(name) + ")",
                               address);
      }
      if (IsParquet(resolved))
        return Status::Error(StatusCode::kNotSupported,
                             "a Parquet export: openpal reads CSV exports (plain or gzip); set the export's format to CSV",
                             where->BlobAddress(resolved));
      if (entry.contains("byteCount") && entry["byteCount"].is_number_unsigned() &&
          entry["byteCount"].get<uint64_t>() != by_name[resolved]->size)
        return Status::Error(StatusCode::kFailedPrecondition,
                             "the manifest says " + std::to_string(entry["byteCount"].get<uint64_t>()) +
                                 " bytes, the blob has " + std::to_string(by_name[resolved]->size) +
                                 " (the run is still being written, or was replaced): run again later",
                             where->BlobAddress(resolved));
      run.blobs.push_back(resolved);
      in_manifests.insert(resolved);
    }
    run_folders.insert(folder);
    runs.push_back(std::move(run));
  }
  // Of several runs of one export and period (an export that creates a new report per run rather than overwriting),
  // only the newest is read: each run holds the period's costs to date, so reading two would count them twice.
  std::map<std::string, const Run*> newest;
  for (const Run& r : runs) {
    auto& slot = newest[r.group];
    if (!slot || r.submitted > slot->submitted || (r.submitted == slot->submitted && r.manifest > slot->manifest))
      slot = &r;
  }
  for (const Run& r : runs) {
    if (newest[r.group] != &r) {
      note("skipped " + where->BlobAddress(r.manifest) + " (submitted " + r.submitted + "): superseded by " +
           where->BlobAddress(newest[r.group]->manifest) + " of the same export and period");
      continue;
    }
    note("export run " + where->BlobAddress(r.manifest) + ": " + std::to_string(r.blobs.size()) + " file" +
         (r.blobs.size() == 1 ? "" : "s"));
    for (const auto& name : r.blobs) chosen.push_back(name);
  }
  // Blobs outside any run with a manifest: CSV files are read (older exports, files put there by hand), in name order;
  // anything else is said and passed over.
  for (const auto& b : listed) {
    const std::string& name = b.where.path;
    if (IsManifest(name) || run_folders.count(Dirname(name)) || in_manifests.count(name)) continue;
    if (IsCsv(name) || single) {
      if (IsParquet(name))
        return Status::Error(StatusCode::kNotSupported,
                             "a Parquet export: openpal reads CSV exports (plain or gzip); set the export's format to CSV",
                             b.where.BlobAddress(name));
      chosen.push_back(name);
    } else {
      note("ignored " + b.where.BlobAddress(name) + " (neither a .csv nor a .csv.gz blob, nor listed by a manifest)");
    }
  }
  if (chosen.empty())
    return Status::Error(StatusCode::kNotFound, "no cost export here: no manifest.json and no .csv or .csv.gz blob",
                         shown);
  std::vector<std::string> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& name : chosen) {
    const BlobInfo& b = *by_name[name];
    std::string address = b.where.BlobAddress(name);
    BlobInfo kept = b;
    kept.where.sas = where->sas;
    blobs_[address] = kept;
    out.push_back(address);
  }
  return out;
}

}  // namespace openpal::collect
