// The floor for reading a usage file: read(2) into a 1 MiB buffer and count line breaks with memchr.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: attribution_bench_floor FILE\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  int fd = ::open(argv[1], O_RDONLY);
  if (fd < 0) {
    std::perror(argv[1]);
    return 1;
  }
  std::vector<char> buffer(1 << 20);
  unsigned long long lines = 0, bytes = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n <= 0) break;
    bytes += static_cast<unsigned long long>(n);
    const char* p = buffer.data();
    const char* end = p + n;
    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))))) {
      ++lines;
      ++p;
    }
  }
  ::close(fd);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu lines %llu bytes %.3f s\n", lines, bytes, seconds);
  return 0;
}
