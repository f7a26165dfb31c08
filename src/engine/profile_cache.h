// Crediting profiles of resources, built once per run, packed flat and shared by every thread that credits usage.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/roles.h"
#include "core/scope.h"
#include "engine/directory_index.h"
#include "engine/flat_map.h"
#include "engine/paths.h"
#include "engine/profile_format.h"
#include "engine/string_pool.h"

namespace openpal::engine {

// A profile is one packed block of int64 words: its layout is profile_format.h, written by Pack() below and read by
// the Attributor (attribution.cc).

// Thread-safety: For() and ForResourceId() may be called by the crediting threads at once, each with its own slot;
// the members marked "not thread-safe" or "only when no thread is in For()" run between runs. Lifetime: keeps a
// reference to the DirectoryView, which must outlive it; blocks live as long as the cache.
class ProfileCache {
 public:
  // `slots` is the number of Attributors that will share it (each takes one slot of every cell cache).
  ProfileCache(const DirectoryView& index, RolePolicy policy, int slots);
  ~ProfileCache();

  // The profile shared by `resource` (that of the nearest scope above it with grants of its own), built on first use
  // by the caller's `slot`. Thread-safe; the block lives as long as the cache.
  int64_t* For(const Scope& resource, int slot);
  // The id of the profile of a usage row's ResourceId text, or kNoResource when the text names no subscription:
  // parsed once per run, by whichever thread meets it first. `hash` is the text's seeded 128-bit hash, which stands
  // for the text (flat_map.h, FlatHashMap): keeping 420,000 texts cost 95 MiB, their hashes 24. Thread-safe.
  static constexpr uint32_t kNoResource = UINT32_MAX;
  uint32_t ForResourceId(std::string_view text, const Hash128& hash, int slot);
  // The block whose kId is `id` (ids come from blocks For() or ForResourceId() returned); id 0 is the profile of
  // rows that name no subscription: subscription -1, no segments. Thread-safe, lock-free.
  int64_t* Block(uint32_t id) const { return table_[id >> kTableChunkBits][id & ((1u << kTableChunkBits) - 1)]; }
  static uint32_t IdOf(const int64_t* block) { return static_cast<uint32_t>(block[profile::kId]); }
  static constexpr uint32_t kNoScopeId = 0;
  // One more than the largest id handed out so far (ids are dense).
  uint32_t id_bound() const { return next_id_.load(std::memory_order_acquire); }
  // Empties every block's report-cell caches, whose entries name cells of the Attributors that wrote them: call it
  // before new Attributors use a cache that others used (one run per file, profiles built once). Not thread-safe.
  void ResetCellCaches();
  // The text of a pool id (partner, tenant, subscription, admin type); call only when no thread is in For().
  const std::string& Name(int64_t id) const { return names_.Get(id); }
  // Each pool id's position among all the pool's texts in byte order (to sort by ids); only when no thread is in For().
  std::vector<uint32_t> NameRanks() const { return names_.Ranks(); }
  // One more than the largest pool id; only when no thread is in For().
  size_t name_count() const { return names_.size(); }
  // The pool id of "" (rows without a subscription, partners without an admin type).
  int64_t empty_id() const { return 0; }
  int slots() const { return slots_; }
  // Distinct scopes profiled so far.
  size_t size() const;
  // Their keys, sorted: a part carries them so that a merge counts the distinct scopes of all its parts exactly.
  // With `first_id`, only the scopes profiled since id_bound() was `first_id` (ids grow as profiles are built).
  std::vector<std::string> ScopeKeys(uint32_t first_id = 0) const;
  const DirectoryView& index() const { return index_; }

  // Runs that reuse this cache one after another (a Dask worker's tasks of one session, each a run of its own) can
  // keep what each slot's Attributor built for the next one on that slot (attribution.cc, SlotMemo: its resolved
  // resources and its report cells' keys, which the blocks' cell caches point into). Off by default: a run that no
  // other follows would only hold the memory longer. Not thread-safe.
  void KeepMemos(bool keep) { keep_memos_ = keep; }
  bool keeps_memos() const { return keep_memos_; }
  // The slot's kept state, owned here, typed by the Attributor (empty when none is kept).
  std::shared_ptr<void>& memo(int slot) { return slot_state_[static_cast<size_t>(slot)].memo; }
  // Whether every slot has kept state: only then may its blocks' cell caches stay as they are (ResetCellCaches).
  bool every_slot_has_memo() const;

 private:
  // The pool id of `s` through `slot`'s own memo of ids (names repeat: partners, tenants, roles), taking the pool's
  // lock only for names this slot has not seen.
  int64_t InternFor(int slot, std::string_view s);
  std::vector<int64_t> Pack(int slot, const std::string& subscription, const std::vector<Placement>* placements,
                            const std::vector<std::pair<std::string, TenantProfile>>& tenants);

  const DirectoryView& index_;
  RolePolicy policy_;
  int slots_;
  // What each slot (crediting thread) keeps to itself, so that building profiles rarely takes a shared lock.
  struct SlotState {
    PathCache paths;
    FlatStringMap<int64_t> ids;  // names this slot has interned
    std::vector<std::unique_ptr<int64_t[]>> chunks;  // where its blocks live, in cache-line-aligned pieces
    int64_t* chunk_at = nullptr;
    size_t chunk_left = 0;
    std::shared_ptr<void> memo;
  };
  bool keep_memos_ = false;
  std::vector<SlotState> slot_state_;
  // The maps are split into shards by key hash, each with its own lock, so the two crediting threads rarely wait
  // for each other (one lock for all made them sleep and wake hundreds of thousands of times).
  static constexpr size_t kShards = 64;
  struct ScopeShard {
    std::mutex mu;
    FlatStringMap<int64_t*> by_key;
  };
  struct ResourceShard {
    std::mutex mu;
    FlatHashMap<uint32_t> by_hash;  // a ResourceId text's hash -> its profile's id, or kNoResource
  };
  std::unique_ptr<ScopeShard[]> scopes_;
  std::unique_ptr<ResourceShard[]> resources_;
  // Block ids: rows are queued by id and credited in id order, so that blocks built close together are read
  // together (ids are dense, so a table finds the block). Chunks of the table are allocated as ids grow and never
  // move, so readers need no lock; an id reaches another thread only through the shard lock that published it.
  static constexpr uint32_t kTableChunkBits = 16, kTableChunks = 1u << 14;
  std::unique_ptr<std::unique_ptr<int64_t*[]>[]> table_;
  std::mutex table_mu_;
  std::atomic<uint32_t> next_id_{1};
  alignas(64) int64_t no_scope_[8] = {-1, 0, 4, 0, 0, 0, 0, 0};
  // Gives `block` the next id (recorded in the block and the table).
  void AssignId(int64_t* block);
  std::mutex names_mu_;  // guards the pool
  StringPool names_;
  int64_t* Allocate(SlotState& state, size_t words);
};

}  // namespace openpal::engine
