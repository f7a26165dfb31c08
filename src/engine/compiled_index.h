// The compiled directory index: the crediting view of the directory in one versioned file, memory-mapped and read in
// place (format: docs/index-format.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/directory_index.h"
#include "store/store.h"

namespace openpal::engine {

// The layout version this binary writes and reads (docs/index-format.md). Raised whenever what the file holds or how
// it is derived from the facts changes: an index of another version is refused and must be rebuilt.
inline constexpr uint32_t kIndexFormatVersion = 1;

// Who an index describes: the store's directory ID and version it was built at, and the checksum of its body (two
// indexes of equal identity hold the same bytes). Parts of one attribution (engine/partial.h) carry it.
struct IndexIdentity {
  std::string store_id;
  uint64_t directory_version = 0;
  uint64_t checksum = 0;
};

// Writes `index`, built from the store at `version`, to `path` (through a temporary file renamed into place, so a
// reader never sees half a file). Returns the identity of what was written.
Result<IndexIdentity> WriteCompiledIndex(const DirectoryIndex& index, const Store::DirectoryVersion& version,
                                         const std::string& path);

// A compiled index mapped into memory. Lookups binary-search sorted key arrays in the mapping; the entries a caller
// asks for are copied out of it once, on first use (lock-free memos), so that the DirectoryView contract (stable
// pointers to vectors) holds, except grants (assignments, Lighthouse), which are visited in place. Nothing is read
// before it is asked for, so opening costs the header and the checksum.
class CompiledIndex final : public DirectoryView {
 public:
  // Maps `path` after checking its magic, version, sizes, section bounds and both checksums. Corruption (code
  // Corruption) and another format version (FailedPrecondition) say what to run.
  static Result<std::unique_ptr<CompiledIndex>> Open(const std::string& path);
  // The same checks over an index already in memory (received over the network by a Dask task, docs/scale.md):
  // the bytes are copied into an aligned buffer the index owns; `name` is used in errors.
  static Result<std::unique_ptr<CompiledIndex>> FromBytes(std::string_view bytes, const std::string& name);
  ~CompiledIndex() override;

  const IndexIdentity& identity() const { return identity_; }

  const std::vector<Placement>* Placements(std::string_view subscription_lower) const override;
  const std::vector<GroupParent>* GroupParents(std::string_view tenant, std::string_view group_lower) const override;
  void ForEachAssignmentAt(std::string_view scope_key, FunctionRef<void(const AssignmentView&)> visit) const override;
  bool HasGrantsAt(std::string_view scope_key) const override;
  void ForEachLighthouseAt(std::string_view scope_key, FunctionRef<void(const LighthouseView&)> visit) const override;
  const std::vector<TimedPartnerLink>* LinksOf(std::string_view principal_key) const override;
  const IntervalSet& EnabledOf(std::string_view principal_key) const override;
  bool PrincipalKnown(std::string_view principal_key) const override;
  const std::vector<LinkedMember>* LinkedMembersOf(std::string_view group_key) const override;
  const Holder* HolderOf(std::string_view principal_key) const override;
  std::string_view LinkedKey(int32_t linked_id) const override;
  size_t linked_principal_count() const override;
  const PartnerInfo* Partner(std::string_view partner_id) const override;
  std::string RoleName(std::string_view tenant, std::string_view role_guid, std::string_view exported) const override;

 private:
  CompiledIndex() = default;
  struct Memos;
  struct Table;
  // The position of `key` among the keys of `table`, or -1.
  int64_t Find(int table, std::string_view key) const;
  std::string_view Text(uint32_t offset, uint32_t length) const;
  IntervalSet Intervals(uint32_t first, uint32_t count) const;
  template <typename Rec>
  const Rec* Records(int section) const;
  struct KeyRange;
  const KeyRange& Keys(int table, size_t i) const;

  const char* base_ = nullptr;
  size_t size_ = 0;
  bool owned_ = false;  // base_ is an aligned copy (FromBytes), freed, not unmapped
  IndexIdentity identity_;
  struct Section {
    uint64_t offset = 0, count = 0;
  };
  std::vector<Section> sections_;
  std::unique_ptr<Memos> memos_;
};

// Where a store's compiled index lives unless --index says otherwise: beside the database ("openpal.db.index").
inline std::string DefaultIndexPath(const std::string& db_path) { return db_path + ".index"; }

// Where the directory comes from for a command: a compiled index when one is present and fresh, else the store.
struct DirectorySource {
  std::string index_path;       // the compiled index to use (the default: the database path + ".index")
  bool index_explicit = false;  // given with --index: it must exist and be fresh, or the command fails
  std::ostream* notes = nullptr;  // where a rebuilt stale index is reported (standard error), or nullptr
};

// The loaded directory and, when it came from (or was just written to) a compiled index, that index's identity.
struct LoadedDirectory {
  std::unique_ptr<DirectoryView> view;
  std::optional<IndexIdentity> identity;
  bool from_index = false;  // read from the compiled file (not rebuilt, not loaded from the store)
};

// The directory for `store` per `source`: the compiled index if it is fresh (same store ID and directory version as
// the store now). A stale or unreadable default index is rebuilt in place (a note says so); a stale, missing or
// unreadable explicit one is an error (FailedPrecondition or NotFound) that says to run `pal index build`. Without
// an index file, the facts are loaded from the store (DirectoryIndex::Load).
Result<LoadedDirectory> LoadDirectory(Store& store, const DirectorySource& source);

// `pal index build`: loads the directory from `store` and writes it to `path`.
Result<IndexIdentity> BuildCompiledIndex(Store& store, const std::string& path);

}  // namespace openpal::engine
