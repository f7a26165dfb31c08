// Building the packed crediting profiles: paths of each tenant that held the subscription, reduced and flattened.
#include "engine/profile_cache.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <stdexcept>

#include "core/guid.h"

namespace openpal::engine {
namespace {

void PackSet(const IntervalSet& set, std::vector<int64_t>& out) {
  out.push_back(static_cast<int64_t>(set.parts().size()));
  for (const auto& i : set.parts()) {
    out.push_back(i.from.micros);
    out.push_back(i.to.micros);
  }
}

}  // namespace

ProfileCache::ProfileCache(const DirectoryView& index, RolePolicy policy, int slots)
    : index_(index),
      policy_(std::move(policy)),
      slots_(slots < 1 ? 1 : slots),
      slot_state_(static_cast<size_t>(slots_)),
      scopes_(new ScopeShard[kShards]),
      resources_(new ResourceShard[kShards]),
      table_(new std::unique_ptr<int64_t*[]>[kTableChunks]) {
  table_[0].reset(new int64_t*[1u << kTableChunkBits]());
  table_[0][kNoScopeId] = no_scope_;
  std::lock_guard<std::mutex> lock(names_mu_);
  names_.Intern("");  // id 0: empty_id()
}

ProfileCache::~ProfileCache() = default;

size_t ProfileCache::size() const {
  size_t n = 0;
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard<std::mutex> lock(scopes_[i].mu);
    n += scopes_[i].by_key.size();
  }
  return n;
}

std::vector<std::string> ProfileCache::ScopeKeys(uint32_t first_id) const {
  std::vector<std::string> keys;
  if (first_id == 0) keys.reserve(size());
  for (size_t i = 0; i < kShards; ++i) {
    std::lock_guard<std::mutex> lock(scopes_[i].mu);
    scopes_[i].by_key.ForEach([&](std::string_view key, int64_t* block) {
      if (IdOf(block) >= first_id) keys.emplace_back(key);
    });
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

int64_t* ProfileCache::For(const Scope& resource, int slot) {
  // Resources without grants of their own share the profile of the nearest scope above them that has some.
  Scope scope = EffectiveScope(index_, resource);
  const uint64_t hash = HashBytes(scope.key());
  ScopeShard& shard = scopes_[(hash >> 32) % kShards];
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    if (int64_t* const* found = shard.by_key.Find(scope.key(), hash)) return *found;
  }
  // Built and packed outside any lock (each slot has its own memos and arena), so the threads build at once; only a
  // name new to this slot takes the pool's lock, and publishing the block takes its shard's.
  std::string subscription = AsciiLower(*scope.subscription_id());
  const auto* placements = index_.Placements(subscription);
  std::vector<std::pair<std::string, TenantProfile>> tenants;  // in order of first placement
  if (placements) {
    for (const auto& placement : *placements) {
      bool seen = false;
      for (const auto& t : tenants) seen = seen || t.first == placement.tenant;
      if (!seen)
        tenants.emplace_back(placement.tenant, ProfileOf(index_, scope, placement.tenant, policy_,
                                                         slot_state_[static_cast<size_t>(slot)].paths));
    }
  }
  std::vector<int64_t> words = Pack(slot, subscription, placements, tenants);
  int64_t* block = Allocate(slot_state_[static_cast<size_t>(slot)], words.size());
  std::memcpy(block, words.data(), words.size() * sizeof(int64_t));
  std::lock_guard<std::mutex> lock(shard.mu);
  if (int64_t* const* found = shard.by_key.Find(scope.key(), hash)) return *found;  // the other thread was quicker
  AssignId(block);
  shard.by_key.Insert(scope.key(), block);
  return block;
}

uint32_t ProfileCache::ForResourceId(std::string_view text, const Hash128& hash, int slot) {
  ResourceShard& shard = resources_[(hash.high >> 32) % kShards];  // the map's slots are chosen by hash.low
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    if (const uint32_t* found = shard.by_hash.Find(hash)) return *found;
  }
  // Parsed outside the lock: the other thread keeps crediting meanwhile.
  uint32_t id = kNoResource;
  if (!text.empty()) {
    auto parsed = Scope::Parse(text);
    if (parsed.ok() && parsed->subscription_id()) id = IdOf(For(*parsed, slot));
  }
  std::lock_guard<std::mutex> lock(shard.mu);
  if (const uint32_t* found = shard.by_hash.Find(hash)) return *found;
  shard.by_hash.Insert(hash, id);
  return id;
}

void ProfileCache::AssignId(int64_t* block) {
  std::lock_guard<std::mutex> lock(table_mu_);
  const uint32_t id = next_id_.load(std::memory_order_relaxed);
  const uint32_t chunk = id >> kTableChunkBits;
  if (chunk >= kTableChunks) throw std::length_error("more than a billion crediting profiles in one run");
  if (!table_[chunk]) table_[chunk].reset(new int64_t*[1u << kTableChunkBits]());
  table_[chunk][id & ((1u << kTableChunkBits) - 1)] = block;
  block[profile::kId] = id;
  next_id_.store(id + 1, std::memory_order_release);
}

bool ProfileCache::every_slot_has_memo() const {
  return std::all_of(slot_state_.begin(), slot_state_.end(), [](const SlotState& s) { return s.memo != nullptr; });
}

void ProfileCache::ResetCellCaches() {
  using namespace profile;
  const int64_t cache_words = slots_ * kCellWays;
  const uint32_t bound = id_bound();
  for (uint32_t id = 1; id < bound; ++id) {
    int64_t* block = Block(id);
    for (int64_t s = 0; s < block[kSegmentCount]; ++s) {
      // Segments of one tenant share its section: clearing it twice is harmless.
      const int64_t* segment = Segment(block, s);
      for (int64_t* p = block + segment[kPartners]; p < block + segment[kPartnersEnd]; p += p[kNext])
        std::fill(CellCacheOf(p, cache_words), p + p[kNext], int64_t{0});
    }
  }
}

int64_t ProfileCache::InternFor(int slot, std::string_view s) {
  auto& ids = slot_state_[static_cast<size_t>(slot)].ids;
  const uint64_t hash = HashBytes(s);
  if (const int64_t* found = ids.Find(s, hash)) return *found;
  int64_t id;
  {
    std::lock_guard<std::mutex> lock(names_mu_);
    id = names_.Intern(s);
  }
  ids.Insert(s, id);
  return id;
}

int64_t* ProfileCache::Allocate(SlotState& state, size_t words) {
  constexpr size_t kLine = 8, kChunk = 1 << 20;
  words = (words + kLine - 1) / kLine * kLine;
  if (words > state.chunk_left) {
    const size_t size = std::max(kChunk, words) + kLine;
    state.chunks.emplace_back(new int64_t[size]);
    int64_t* raw = state.chunks.back().get();
    const auto misalign = reinterpret_cast<uintptr_t>(raw) % (kLine * sizeof(int64_t));
    state.chunk_at = raw + (misalign ? (kLine * sizeof(int64_t) - misalign) / sizeof(int64_t) : 0);
    state.chunk_left = size - static_cast<size_t>(state.chunk_at - raw);
    state.chunk_left -= state.chunk_left % kLine;
  }
  int64_t* out = state.chunk_at;
  state.chunk_at += words;
  state.chunk_left -= words;
  return out;
}

std::vector<int64_t> ProfileCache::Pack(int slot, const std::string& subscription, const std::vector<Placement>* placements,
                                        const std::vector<std::pair<std::string, TenantProfile>>& tenants) {
  using namespace profile;
  const int64_t segment_count = placements ? static_cast<int64_t>(placements->size()) : 0;
  std::vector<int64_t> out(static_cast<size_t>(kSegments + segment_count * kSegmentWords), 0);
  out[kSubscription] = InternFor(slot, subscription);
  out[kSegmentCount] = segment_count;
  // One section per tenant; every segment of that tenant points at it.
  std::vector<std::array<int64_t, 4>> sections;  // kTenant, kUnions, kPartners, kPartnersEnd
  for (const auto& [tenant, tp] : tenants) {
    const int64_t unions = static_cast<int64_t>(out.size());
    for (const IntervalSet* set : {&tp.access, &tp.linked, &tp.enabled, &tp.partner_valid}) PackSet(*set, out);
    const int64_t partners = static_cast<int64_t>(out.size());
    for (const auto& credit : tp.partners) {
      const size_t record = out.size();
      out.push_back(InternFor(slot, credit.partner_id));
      out.push_back(0);  // kNext, below
      out.push_back(static_cast<int64_t>(credit.qualifying.parts().size()));
      out.push_back(static_cast<int64_t>(credit.roles.size()));
      for (const auto& i : credit.qualifying.parts()) {
        out.push_back(i.from.micros);
        out.push_back(i.to.micros);
      }
      for (const auto& [name, when] : credit.roles) {
        out.push_back(InternFor(slot, name));
        PackSet(when, out);
      }
      out.resize(out.size() + static_cast<size_t>(slots_ * kCellWays), 0);
      out[record + kNext] = static_cast<int64_t>(out.size() - record);
    }
    sections.push_back({InternFor(slot, tenant), unions, partners, static_cast<int64_t>(out.size())});
  }
  for (int64_t s = 0; s < segment_count; ++s) {
    const Placement& placement = (*placements)[static_cast<size_t>(s)];
    size_t t = 0;
    while (tenants[t].first != placement.tenant) ++t;
    int64_t* seg = &out[static_cast<size_t>(kSegments + s * kSegmentWords)];
    seg[kFrom] = placement.valid.from.micros;
    seg[kTo] = placement.valid.to.micros;
    seg[kTenant] = sections[t][0];
    seg[kUnions] = sections[t][1];
    seg[kPartners] = sections[t][2];
    seg[kPartnersEnd] = sections[t][3];
  }
  out[kLength] = static_cast<int64_t>(out.size());
  return out;
}

}  // namespace openpal::engine
