// Where a usage input's bytes come from when it is not a local file: a store behind a name (an Azure blob URL,
// collect/blob_store.h). The readers and the engine see only this interface; they know no HTTP.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "ingest/usage/csv_reader.h"

namespace openpal::usage {

class InputStore {
 public:
  virtual ~InputStore() = default;
  // Whether `name` is one of this store's inputs (otherwise it is a local file).
  virtual bool Handles(const std::string& name) const = 0;
  // The input's size in bytes, as listed (nullopt for a name this store does not hold).
  virtual std::optional<uint64_t> SizeOf(const std::string& name) const = 0;
  // The input's bytes as stored (gzip not inflated), from the first; errors name the input.
  virtual Result<std::unique_ptr<ByteSource>> OpenRaw(const std::string& name) = 0;
  // The SHA-256 (lowercase hex) of the input's bytes, known once a source opened by OpenRaw was read to its end.
  // FailedPrecondition when it never was.
  virtual Result<std::string> Sha256(const std::string& name) const = 0;
};

}  // namespace openpal::usage
