// Strings interned to dense integer ids, so that keys built from them are plain integers. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/directory_index.h"

namespace openpal::engine {

class StringPool {
 public:
  // The id of `s`, added when new (ids count up from 0).
  int64_t Intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    const auto id = static_cast<int64_t>(strings_.size());
    strings_.emplace_back(s);
    ids_.emplace(std::string(s), id);
    return id;
  }
  const std::string& Get(int64_t id) const { return strings_[static_cast<size_t>(id)]; }
  size_t size() const { return strings_.size(); }
  // Each id's position among the pool's texts in byte order: sorting by ranks sorts by text.
  std::vector<uint32_t> Ranks() const {
    std::vector<uint32_t> order(strings_.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) { return strings_[a] < strings_[b]; });
    std::vector<uint32_t> rank(strings_.size());
    for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
    return rank;
  }

 private:
  std::vector<std::string> strings_;
  StringMap<int64_t> ids_;
};

}  // namespace openpal::engine
