// Fuzzes the whole snapshot folder reader (ReadSnapshot: snapshot.json, partners.csv, tenants/<id>/tenant.json and
// every tenant file, the duplicate rules) on a folder written from the input in a temporary directory (tmpfs when
// there is one). The input is a list of files, each introduced by a line "==> relative/path <==" (the format of
// `head` on several files), so the seeds are readable and a finding shows as a folder.
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fs::path& root = Root();
  const fs::path dir = root / "s";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directory(dir, ec);
  std::string_view text(reinterpret_cast<const char*>(data), size);
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
    fs::path path = dir / std::string(name);
    fs::create_directories(path.parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) continue;  // a folder of that name already exists, or a file is in the way
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    ++files;
  }
  auto snapshot = openpal::ingest::ReadSnapshot(dir.string(), {});
  if (!snapshot.ok() && snapshot.status().message().empty()) openpal::fuzz::Violated("an error without a message");
  return 0;
}
