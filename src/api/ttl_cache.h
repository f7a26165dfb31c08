// A small thread-safe map whose entries expire after a fixed time or as soon as the store changes: the API's
// short-lived memory of store answers (principal verdicts, partner rows, rendered links). See docs/api.md "Caching".
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace openpal::api {

template <typename V>
class TtlCache {
 public:
  // Entries live `ttl`; each of the 16 shards holds at most `shard_capacity` (then it is emptied: bounded memory).
  explicit TtlCache(std::chrono::milliseconds ttl, size_t shard_capacity = 4096)
      : ttl_(ttl), shard_capacity_(shard_capacity) {}

  // The live value for `key`, if any: not expired, and put at `generation` (the store's ChangeCounter now), so an
  // entry read before anything was committed to the store — by this process or another — is never answered.
  std::optional<V> Get(const std::string& key, uint64_t generation) const {
    if (ttl_.count() <= 0) return std::nullopt;
    Shard& shard = ShardOf(key);
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.entries.find(key);
    if (it == shard.entries.end() || it->second.expires < Clock::now() || it->second.generation != generation)
      return std::nullopt;
    return it->second.value;
  }

  // Remembers `value` for `key` from now; `generation` is the store's ChangeCounter asked *before* `value` was read.
  void Put(const std::string& key, V value, uint64_t generation) const {
    PutUnless(key, std::move(value), generation, [](const V&) { return false; });
  }

  // Like Put, but keeps a live entry of the same generation for which `keep_existing(existing)` is true (checked
  // under the shard's lock, so callers can refuse to overwrite newer data with older).
  template <typename KeepExisting>
  void PutUnless(const std::string& key, V value, uint64_t generation, KeepExisting keep_existing) const {
    if (ttl_.count() <= 0) return;
    Shard& shard = ShardOf(key);
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto now = Clock::now();
    auto it = shard.entries.find(key);
    if (it != shard.entries.end() && it->second.expires >= now && it->second.generation == generation &&
        keep_existing(it->second.value))
      return;
    if (it == shard.entries.end() && shard.entries.size() >= shard_capacity_) shard.entries.clear();
    shard.entries[key] = Entry{std::move(value), now + ttl_, generation};
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    V value;
    Clock::time_point expires;
    uint64_t generation = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Entry> entries;
  };
  Shard& ShardOf(const std::string& key) const { return shards_[std::hash<std::string>{}(key) % shards_.size()]; }

  std::chrono::milliseconds ttl_;
  size_t shard_capacity_;
  mutable std::array<Shard, 16> shards_;
};

}  // namespace openpal::api
