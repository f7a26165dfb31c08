// OpenRegularFile and ReadRegularFile: the regular-file check every input goes through.
#include "ingest/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace openpal::ingest {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Result<int> OpenRegularFile(const std::string& path, const std::string& display) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before the check below could refuse it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Status::Error(StatusCode::kIoError, std::string("cannot open the file: ") + std::strerror(errno), display);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = Status::Error(StatusCode::kIoError, std::string("cannot stat the file: ") + std::strerror(errno), display);
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(StatusCode::kInvalidArgument, std::string("expected a regular file, found ") + KindOf(st.st_mode), display);
  }
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

Result<std::string> ReadRegularFile(const std::string& path, const std::string& display) {
  auto fd = OpenRegularFile(path, display);
  if (!fd.ok()) return fd.status();
  std::string text;
  struct stat st {};
  if (::fstat(*fd, &st) == 0 && st.st_size > 0) text.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(*fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      Status s = Status::Error(StatusCode::kIoError, std::string("cannot read the file: ") + std::strerror(errno), display);
      ::close(*fd);
      return s;
    }
  }
  ::close(*fd);
  return text;
}

}  // namespace openpal::ingest
