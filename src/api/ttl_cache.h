// A small thread-safe map whose entries expire after a fixed time: the API's short-lived memory of directory
// answers (principal verdicts, partner rows) that only `pal import` changes. See docs/api.md "Caching".
#pragma once

#include <array>
#include <chrono>
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

  // The live value for `key`, if any.
  std::optional<V> Get(const std::string& key) const {
    if (ttl_.count() <= 0) return std::nullopt;
    Shard& shard = ShardOf(key);
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.entries.find(key);
    if (it == shard.entries.end() || it->second.expires < Clock::now()) return std::nullopt;
    return it->second.value;
  }

  // Remembers `value` for `key` from now.
  void Put(const std::string& key, V value) const {
    PutUnless(key, std::move(value), [](const V&) { return false; });
  }

  // Like Put, but keeps a live entry for which `keep_existing(existing)` is true (checked under the shard's lock,
  // so callers can refuse to overwrite newer data with older).
  template <typename KeepExisting>
  void PutUnless(const std::string& key, V value, KeepExisting keep_existing) const {
    if (ttl_.count() <= 0) return;
    Shard& shard = ShardOf(key);
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto now = Clock::now();
    auto it = shard.entries.find(key);
    if (it != shard.entries.end() && it->second.expires >= now && keep_existing(it->second.value)) return;
    if (it == shard.entries.end() && shard.entries.size() >= shard_capacity_) shard.entries.clear();
    shard.entries[key] = Entry{std::move(value), now + ttl_};
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    V value;
    Clock::time_point expires;
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
