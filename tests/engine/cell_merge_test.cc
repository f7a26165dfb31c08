// MergeCells and CellMerger against a plain sum by text keys: the merge's shortcut (comparing a cell with the one
// after the last matched before hashing, engine/attribution.cc) must put every sum on its own key whatever the
// parts' orders: the same order, shifted, with keys missing or new in between, shuffled, or with other name ids.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/attribution.h"

namespace openpal::engine::testing {
namespace {

using TextKey = std::array<std::string, 6>;  // partner, tenant, subscription, month, currency, admin
struct Sums {
  std::string partner_name;
  uint64_t rows = 0;
  __int128 total = 0, attributed = 0;
  friend bool operator==(const Sums&, const Sums&) = default;
};

// The universe of keys the parts draw from, in a base order (a worker slot's key order).
std::vector<TextKey> Universe(std::mt19937& rng, size_t n) {
  std::vector<TextKey> keys;
  for (size_t i = 0; i < n; ++i)
    keys.push_back({"p" + std::to_string(rng() % 7), "t" + std::to_string(rng() % 11), "s" + std::to_string(i % 53),
                    "2026-0" + std::to_string(1 + rng() % 3), rng() % 5 ? "EUR" : "USD", rng() % 2 ? "user" : "sp"});
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::shuffle(keys.begin(), keys.end(), rng);
  return keys;
}

// A part over `keys` (in that order) with its own name ids: names listed in a random order.
CellTable Part(const std::vector<TextKey>& keys, std::mt19937& rng, std::map<TextKey, Sums>& expected) {
  CellTable t;
  std::map<std::string, uint32_t> ids;
  std::vector<std::string> texts;
  for (const TextKey& k : keys)
    for (const std::string& text : k) texts.push_back(text);
  for (const TextKey& k : keys) texts.push_back("name of " + k[0]);
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
  std::shuffle(texts.begin(), texts.end(), rng);
  for (const std::string& text : texts) {
    ids[text] = static_cast<uint32_t>(t.names.size());
    t.names.push_back(text);
  }
  for (const TextKey& k : keys) {
    const uint64_t rows = 1 + rng() % 9;
    const __int128 total = static_cast<__int128>(rng() % 100000) * 1000000, attributed = total / 3;
    t.cells.push_back(CellTable::Cell{ids[k[0]], ids["name of " + k[0]], ids[k[1]], ids[k[2]], ids[k[3]], ids[k[4]],
                                      ids[k[5]], rows, Money{total}, Money{attributed}});
    Sums& s = expected[k];
    s.partner_name = "name of " + k[0];
    s.rows += rows;
    s.total += total;
    s.attributed += attributed;
  }
  t.rows_read = keys.size();
  return t;
}

std::map<TextKey, Sums> Read(const CellTable& t) {
  std::map<TextKey, Sums> out;
  for (const CellTable::Cell& c : t.cells) {
    const TextKey k{t.names.at(c.partner), t.names.at(c.tenant), t.names.at(c.subscription), t.names.at(c.month),
                    t.names.at(c.currency), t.names.at(c.admin)};
    EXPECT_EQ(out.count(k), 0u) << "a key twice in the merged table";
    out[k] = Sums{t.names.at(c.partner_name), c.rows, c.total.units, c.attributed.units};
  }
  return out;
}

TEST(CellMerge, EverySumLandsOnItsKeyWhateverThePartsOrders) {
  std::mt19937 rng(20261205);
  for (int round = 0; round < 60; ++round) {
    SCOPED_TRACE(round);
    const std::vector<TextKey> universe = Universe(rng, 50 + rng() % 400);
    std::map<TextKey, Sums> expected;
    std::vector<CellTable> parts;
    const int n = 2 + static_cast<int>(rng() % 6);
    for (int p = 0; p < n; ++p) {
      std::vector<TextKey> keys;
      const unsigned keep = 50 + rng() % 51;  // percent of the universe this part meets, in the base order
      for (const TextKey& k : universe)
        if (rng() % 100 < keep) keys.push_back(k);
      switch (rng() % 4) {
        case 0: break;                                                      // the slot's order
        case 1: std::rotate(keys.begin(), keys.begin() + rng() % (keys.size() + 1), keys.end()); break;
        case 2: std::shuffle(keys.begin(), keys.end(), rng); break;         // another worker's order
        case 3:                                                             // small local swaps
          for (size_t i = 1; i < keys.size(); i += 1 + rng() % 5) std::swap(keys[i - 1], keys[i]);
          break;
      }
      parts.push_back(Part(keys, rng, expected));
    }
    std::vector<CellTable> copy = parts;
    const CellTable merged = MergeCells(std::move(parts));
    EXPECT_EQ(merged.rows_read, [&] {
      uint64_t rows = 0;
      for (const auto& p : copy) rows += p.rows_read;
      return rows;
    }());
    const std::map<TextKey, Sums> got = Read(merged);
    ASSERT_EQ(got.size(), expected.size());
    for (const auto& [key, sums] : expected) {
      auto at = got.find(key);
      ASSERT_NE(at, got.end());
      EXPECT_EQ(at->second.partner_name, sums.partner_name);
      EXPECT_EQ(at->second.rows, sums.rows);
      EXPECT_TRUE(at->second == sums) << "the sums of a key differ";
    }
    // The one-at-a-time merger (without Reserve: sized by its first part) gives the same table.
    CellMerger merger;
    for (CellTable& p : copy) merger.Add(std::move(p));
    EXPECT_TRUE(Read(merger.Finish()) == got);
  }
}

}  // namespace
}  // namespace openpal::engine::testing
