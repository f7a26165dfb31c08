// Open-addressing hash tables for the per-row hot path: one probe usually costs one cache line, unlike node maps.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace openpal::engine {

// 64-bit FNV-1a over 8-byte words, then mixed: fast on the ~100-byte resource IDs of usage rows.
inline uint64_t HashBytes(std::string_view s) {
  uint64_t h = 1469598103934665603ULL ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 1099511628211ULL;
    h ^= h >> 29;
  }
  for (; i < s.size(); ++i) h = (h ^ static_cast<unsigned char>(s[i])) * 1099511628211ULL;
  h ^= h >> 32;
  h *= 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 29);
}

// String → V (a small trivially copyable value). Keys live in one arena; slots hold the hash, the key's place and V.
template <typename V>
class FlatStringMap {
 public:
  FlatStringMap() : slots_(1024) {}

  // The value for `key`, or nullptr.
  const V* Find(std::string_view key) const { return Find(key, HashBytes(key)); }
  // The same, with `h` = HashBytes(key) already computed.
  const V* Find(std::string_view key, uint64_t h) const {
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.length == kEmpty) return nullptr;
      if (s.hash == h && s.length == key.size() && std::memcmp(arena_.data() + s.offset, key.data(), key.size()) == 0)
        return &s.value;
    }
  }
  // Adds `key` (which must be absent).
  void Insert(std::string_view key, V value) {
    if ((count_ + 1) * 4 > slots_.size() * 3) Grow();
    Place(HashBytes(key), Append(key), static_cast<uint32_t>(key.size()), value);
    ++count_;
  }
  size_t size() const { return count_; }
  // Calls f(key) for every key, in no particular order.
  template <typename F>
  void ForEachKey(F&& f) const {
    for (const Slot& s : slots_)
      if (s.length != kEmpty) f(std::string_view(arena_.data() + s.offset, s.length));
  }
  // f(key, value) for every entry, in no particular order.
  template <typename F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_)
      if (s.length != kEmpty) f(std::string_view(arena_.data() + s.offset, s.length), s.value);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint64_t offset = 0;
    uint32_t length = kEmpty;
    V value{};
  };
  uint64_t Append(std::string_view key) {
    uint64_t offset = arena_.size();
    arena_.append(key);
    return offset;
  }
  void Place(uint64_t h, uint64_t offset, uint32_t length, V value) {
    size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i].length != kEmpty) i = (i + 1) & mask;
    slots_[i] = Slot{h, offset, length, value};
  }
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.size() * 2, Slot{});
    for (const Slot& s : old)
      if (s.length != kEmpty) Place(s.hash, s.offset, s.length, s.value);
  }

  std::vector<Slot> slots_;
  std::string arena_;
  size_t count_ = 0;
};

// A 128-bit hash of a key, used as the key itself where comparing the bytes would cost cache misses per lookup.
struct Hash128 {
  uint64_t low = 0, high = 0;
  friend bool operator==(const Hash128&, const Hash128&) = default;
};

// Hash128 -> V (small, trivially copyable). Keys are never compared byte for byte: two keys are the same when their
// 128-bit hashes are. Callers make the hash seeded (per run), so colliding keys cannot be crafted; for n distinct keys
// the chance of any collision is about n^2 / 2^128 (10^-27 for a million resources).
template <typename V>
class FlatHashMap {
 public:
  FlatHashMap() : slots_(1024) {}

  const V* Find(const Hash128& h) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = h.low & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.key == h) return &s.value;
    }
  }
  // Asks the CPU to start loading the slot where `h` would be found (a hint; no effect on results).
  void Prefetch(const Hash128& h) const { __builtin_prefetch(&slots_[h.low & (slots_.size() - 1)]); }
  // Adds `h` (which must be absent).
  void Insert(const Hash128& h, V value) {
    if ((count_ + 1) * 4 > slots_.size() * 3) Grow();
    Place(h, value);
    ++count_;
  }
  size_t size() const { return count_; }

 private:
  struct Slot {
    Hash128 key;
    V value{};
    bool used = false;
  };
  void Place(const Hash128& h, V value) {
    const size_t mask = slots_.size() - 1;
    size_t i = h.low & mask;
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = Slot{h, value, true};
  }
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.size() * 2, Slot{});
    for (const Slot& s : old)
      if (s.used) Place(s.key, s.value);
  }

  std::vector<Slot> slots_;
  size_t count_ = 0;
};

// Fixed-size integer key K (with operator== and a Hash() member) → index into a dense vector of cells. Keys and
// cells are kept apart: adding to a cell, the hot path, then touches only cells, packed closer together.
template <typename K, typename Cell>
class FlatCellMap {
 public:
  FlatCellMap() : slots_(1024, kEmpty) {}

  // The cell for `key`, created (value-initialised) when absent.
  Cell& operator[](const K& key) { return cells_[IndexOf(key)]; }
  // The position of `key`'s cell (stable: cells are only appended), created when absent.
  uint32_t IndexOf(const K& key) {
    uint64_t h = key.Hash();
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint32_t at = slots_[i];
      if (at == kEmpty) {
        if ((keys_.size() + 1) * 4 > slots_.size() * 3) {
          Grow();
          return IndexOf(key);
        }
        slots_[i] = static_cast<uint32_t>(keys_.size());
        keys_.push_back(key);
        cells_.emplace_back();
        return slots_[i];
      }
      if (keys_[at] == key) return at;
    }
  }
  // Room for `n` cells without growing (a merge knows about how many it will hold).
  void Reserve(size_t n) {
    size_t want = slots_.size();
    while (n * 4 > want * 3) want *= 2;
    keys_.reserve(n);
    cells_.reserve(n);
    if (want != slots_.size()) {
      slots_.assign(want / 2, kEmpty);  // Grow() doubles it and places the cells already held
      Grow();
    }
  }
  // The cell at a position IndexOf returned, and its key.
  Cell& At(uint32_t at) { return cells_[at]; }
  const Cell& At(uint32_t at) const { return cells_[at]; }
  const K& KeyAt(uint32_t at) const { return keys_[at]; }
  // Cells in the order they were created.
  size_t size() const { return keys_.size(); }
  // Every cell back to its value-initialised state; the keys and their positions stay.
  void ClearCells() { std::fill(cells_.begin(), cells_.end(), Cell{}); }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  void Grow() {
    slots_.assign(slots_.size() * 2, kEmpty);
    size_t mask = slots_.size() - 1;
    for (uint32_t at = 0; at < keys_.size(); ++at) {
      size_t i = keys_[at].Hash() & mask;
      while (slots_[i] != kEmpty) i = (i + 1) & mask;
      slots_[i] = at;
    }
  }

  std::vector<uint32_t> slots_;
  std::vector<K> keys_;
  std::vector<Cell> cells_;
};

}  // namespace openpal::engine
