// Helpers shared by the fuzz targets: a memory file for readers that take a path, and a failure that libFuzzer
// reports as a finding.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace openpal::fuzz {

// An anonymous in-memory file (memfd) rewritten on each run: readers that open a path (the usage reader, JsonFile)
// read the fuzzer's bytes through /proc/self/fd/N, without touching the disk, exactly as they read a real file.
class MemFile {
 public:
  explicit MemFile(const char* name) : fd_(::memfd_create(name, 0)) {
    if (fd_ < 0) Fail("memfd_create failed");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  ~MemFile() { ::close(fd_); }

  // Replaces the file's content with `data` and returns the path that opens it. Written over the old content, then cut
  // to size: truncating to 0 first freed and reallocated the file's pages on every run.
  const std::string& Write(const uint8_t* data, size_t size) {
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) Fail("pwrite failed");
      done += static_cast<size_t>(n);
    }
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) Fail("ftruncate failed");
    return path_;
  }
  const std::string& path() const { return path_; }

 private:
  [[noreturn]] static void Fail(const char* what) {
    std::perror(what);
    std::abort();
  }
  int fd_;
  std::string path_;
};

// A broken invariant: printed, then abort(), which libFuzzer records as a crash with its input.
[[noreturn]] inline void Violated(std::string_view what) {
  std::fprintf(stderr, "fuzz invariant violated: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace openpal::fuzz
