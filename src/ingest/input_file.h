// Reading an input file that must be a regular file: a link to /dev/zero or a named pipe is refused, not read forever.
#pragma once

#include <string>

#include "core/status.h"

namespace openpal::ingest {

// Opens `path` without blocking (a FIFO would wait for a writer), checks that it is a regular file and returns the
// descriptor, ready for blocking reads. Errors name `display` ("Io": cannot open; "NotAFile": a directory, FIFO,
// device or socket). The caller closes the descriptor.
Result<int> OpenRegularFile(const std::string& path, const std::string& display);

// Reads the whole regular file at `path` (see OpenRegularFile); read errors name `display`.
Result<std::string> ReadRegularFile(const std::string& path, const std::string& display);

}  // namespace openpal::ingest
