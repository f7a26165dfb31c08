// Fuzzes the whole snapshot folder reader (ReadSnapshot: snapshot.json, partners.csv, tenants/<id>/tenant.json and
// every tenant file, the duplicate rules) on a folder written from the input in a temporary directory (tmpfs when
// there is one). The input is a list of files, each introduced by a line "==> relative/path <==" (the format of
// `head` on several files), so the seeds are readable and a finding shows as a folder.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "ingest/snapshot_reader.h"

namespace fs = std::filesystem;

namespace {

// A path the fuzzer may name: 1 to 4 components of [A-Za-z0-9._-], none "." or "..".
bool SafeRelative(std::string_view p) {
  if (p.empty() || p.size() > 120 || p.front() == '/') return false;
  int parts = 1;
  size_t start = 0;
  for (size_t i = 0; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') {
      std::string_view part = p.substr(start, i - start);
      if (part.empty() || part == "." || part == "..") return false;
      start = i + 1;
      if (i < p.size()) ++parts;
      continue;
    }
    char c = p[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return parts <= 4;
}

// The temporary folder, removed at exit. A plain array: the exit handler runs after static objects are destroyed.
char root_dir[256];

const fs::path& Root() {
  static const fs::path root = [] {
    std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
    std::snprintf(root_dir, sizeof root_dir, "%s/openpal-fuzz-snapshot-XXXXXX", base.c_str());
    if (!mkdtemp(root_dir)) openpal::fuzz::Violated("mkdtemp failed");
    std::atexit([] { std::error_code ec; fs::remove_all(root_dir, ec); });
    return fs::path(root_dir);
  }();
  return root;
}

// The folder an input describes: relative path -> a folder, or a file and its content. Built in memory first with
// the rules a fresh folder would follow when the files are written one after the other (parent folders created as
// needed; a file whose parent is a file, or whose path is a folder, is not written; a later file of the same name
// wins), then the folder on disk is brought to it.
struct Node {
  bool folder = false;
  std::string content;
  bool operator==(const Node&) const = default;
};
using Layout = std::map<std::string, Node>;

Layout Describe(std::string_view text) {
  Layout layout;
  constexpr std::string_view kOpen = "==> ", kClose = " <==\n";
  size_t at = text.find(kOpen);
  int files = 0;
  while (at != std::string_view::npos && files < 24) {
    size_t name_end = text.find(kClose, at + kOpen.size());
    if (name_end == std::string_view::npos) break;
    std::string_view name = text.substr(at + kOpen.size(), name_end - at - kOpen.size());
    size_t body = name_end + kClose.size();
    size_t next = text.find(std::string("\n") + std::string(kOpen), body);
    std::string_view content = text.substr(body, next == std::string_view::npos ? std::string_view::npos : next - body);
    at = next == std::string_view::npos ? next : next + 1;
    if (!SafeRelative(name)) continue;
    // Every parent must be a folder or absent (then created); a file in the way leaves this entry out.
    bool blocked = false;
    for (size_t slash = name.find('/'); slash != std::string_view::npos; slash = name.find('/', slash + 1)) {
      auto parent = layout.find(std::string(name.substr(0, slash)));
      if (parent != layout.end() && !parent->second.folder) {
        blocked = true;
        break;
      }
    }
    if (blocked) continue;
    auto existing = layout.find(std::string(name));
    if (existing != layout.end() && existing->second.folder) continue;  // a folder of that name already exists
    for (size_t slash = name.find('/'); slash != std::string_view::npos; slash = name.find('/', slash + 1))
      layout[std::string(name.substr(0, slash))].folder = true;
    layout[std::string(name)] = Node{false, std::string(content)};
    ++files;
  }
  return layout;
}

void WriteFile(const fs::path& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) openpal::fuzz::Violated("cannot write a file of the snapshot folder");
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) openpal::fuzz::Violated("cannot write a file of the snapshot folder");
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Brings the folder on disk from `current` (what the previous input left) to `wanted`, touching only what differs:
// a mutated input usually changes one file, and rewriting the whole folder per input was most of this target's cost.
// ReadSnapshot sees the same names, kinds and contents as in a folder written from scratch.
void Sync(const fs::path& dir, Layout& current, const Layout& wanted) {
  std::error_code ec;
  for (auto it = current.begin(); it != current.end();) {
    auto want = wanted.find(it->first);
    if (want != wanted.end() && want->second.folder == it->second.folder) {
      ++it;
      continue;
    }
    fs::remove_all(dir / it->first, ec);
    if (ec) openpal::fuzz::Violated("cannot clear the snapshot folder");
    const std::string prefix = it->first + "/";
    it = current.erase(it);
    while (it != current.end() && it->first.starts_with(prefix)) it = current.erase(it);
  }
  for (const auto& [name, node] : wanted) {  // in order: a folder comes before what it holds
    auto have = current.find(name);
    if (have != current.end() && have->second == node) continue;
    if (node.folder) {
      if (::mkdir((dir / name).c_str(), 0755) != 0) openpal::fuzz::Violated("cannot create a snapshot sub-folder");
    } else {
      WriteFile(dir / name, node.content);
    }
    current[name] = node;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path dir = [] {
    fs::path d = Root() / "s";
    std::error_code ec;
    fs::create_directory(d, ec);
    if (ec) openpal::fuzz::Violated("cannot create the snapshot folder");
    return d;
  }();
  static Layout on_disk;
  Sync(dir, on_disk, Describe(std::string_view(reinterpret_cast<const char*>(data), size)));
  auto snapshot = openpal::ingest::ReadSnapshot(dir.string(), {});
  if (!snapshot.ok() && snapshot.status().message().empty()) openpal::fuzz::Violated("an error without a message");
  return 0;
}
