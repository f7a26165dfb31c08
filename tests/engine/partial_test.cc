// Mergeable parts (docs/partial-format.md): any split of the usage into 2-16 parts, each credited alone, written,
// read back and merged, gives byte for byte the report of one run over all of it; foreign parts are refused.
#include "engine/partial.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "world.h"

namespace openpal::engine::testing {
namespace {

const Store::DirectoryVersion kDirectory{"feedfacefeedfacefeedfacefeedface", 3};

World RandomWorld(std::mt19937& rng) {
  const char* subs[] = {"aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002",
                        "aaaaaaaa-0000-4000-8000-000000000003"};
  const char* users[] = {"cccccccc-0000-4000-8000-000000000001", "cccccccc-0000-4000-8000-000000000002",
                         "cccccccc-0000-4000-8000-000000000003", "cccccccc-0000-4000-8000-000000000004"};
  const char* partners[] = {"1000001", "1000002", "2000001"};
  const std::string_view roles[] = {kOwnerRole, kContributorRole, kReaderRole, kUserAccessAdministratorRole};
  auto day = [&](int d) { return Timestamp::FromSeconds(1767225600LL + d * 86400LL + (rng() % 86400)); };
  auto span = [&]() {
    Timestamp a = day(static_cast<int>(rng() % 60)), b = day(static_cast<int>(rng() % 60));
    if (b < a) std::swap(a, b);
    return rng() % 3 == 0 ? Interval{a, Timestamp::Max()} : Interval{a, b};
  };
  World w;
  for (const char* s : subs) w.Placement(s, kTenant, Interval{day(0), Timestamp::Max()});
  for (const char* p : partners) w.Partner(p, span(), rng() % 5 ? PartnerLevel::kLocation : PartnerLevel::kGlobal);
  for (const char* u : users) {
    w.User(kTenant, u, span(), rng() % 4 != 0);
    w.Link(kTenant, u, partners[rng() % 3], span());
    w.Member(kTenant, kGroup, u, span());
  }
  for (int i = 0; i < 8; ++i) {
    std::string scope = std::string("/subscriptions/") + subs[rng() % 3];
    if (rng() % 2) scope += "/resourceGroups/rg" + std::to_string(rng() % 2);
    const bool group = rng() % 3 == 0;
    w.Assign(kTenant, scope, group ? kGroup : users[rng() % 4], roles[rng() % 4], span(),
             group ? AssigneeType::kGroup : AssigneeType::kUser);
  }
  return w;
}

// Usage lines; each knows its subscription (1-3, 0 for a line without one) so parts can be split by subscription.
std::vector<std::pair<int, std::string>> RandomLines(std::mt19937& rng, int n) {
  std::vector<std::pair<int, std::string>> lines;
  for (int i = 0; i < n; ++i) {
    const int sub = 1 + static_cast<int>(rng() % 3), d = static_cast<int>(rng() % 70);
    Timestamp start = Timestamp::FromSeconds(1767225600LL + d * 86400LL);
    Timestamp end = Timestamp::FromSeconds(start.micros / 1000000 + static_cast<int64_t>(rng() % 48) * 3600);
    std::string resource = "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000" + std::to_string(sub) +
                           "/resourceGroups/rg" + std::to_string(rng() % 3) + "/providers/Microsoft.Web/sites/s" +
                           std::to_string(rng() % 4);
    // Amounts with 12 decimals and pro-rata periods: sums that only fixed point keeps exact.
    std::string cost = std::to_string(rng() % 100000) + "." + std::to_string(100000000000ULL + rng() % 900000000000ULL);
    const char* currency = rng() % 4 ? "USD" : "EUR";
    lines.emplace_back(sub, FormatIsoTime(start) + "," + FormatIsoTime(end) + "," + cost + "," + currency + "," + resource);
    if (rng() % 40 == 0) lines.emplace_back(0, "broken,row," + cost + "," + currency + ",x");
  }
  return lines;
}

std::string WriteUsage(const std::string& name, const std::vector<std::string>& lines) {
  const std::string path = ::testing::TempDir() + "/partial_" + name + ".csv";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << "ChargePeriodStart,ChargePeriodEnd,EffectiveCost,BillingCurrency,ResourceId\n";
  for (const auto& line : lines) out << line << "\n";
  return path;
}

Partial Part(const DirectoryView& index, const std::vector<std::string>& files,
             const Store::DirectoryVersion& directory = kDirectory, const std::string& policy = "all") {
  AttributeOptions options;
  options.files = files;
  options.threads = 2;
  auto part = AttributeToPartial(index, directory, policy == "all" ? RolePolicy::All() : RolePolicy::Pec(), policy,
                                 "effective", options);
  EXPECT_TRUE(part.ok()) << part.status().ToString();
  // Through the file format and back, as `pal merge` reads them.
  std::stringstream bytes;
  WritePartial(*part, bytes);
  auto read = ReadPartial(bytes, "part");
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  return std::move(read).value();
}

std::string Text(const Partial& part) {
  std::ostringstream rejected;
  WriteRejectedLines(part, rejected);
  return ResultText(part.result) + rejected.str();
}

TEST(Partial, EveryRandomSplitIntoTwoToSixteenPartsMergesToTheSingleRunByteForByte) {
  std::mt19937 rng(16);
  for (int world = 0; world < 12; ++world) {
    auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
    const auto lines = RandomLines(rng, 600);
    std::vector<std::string> all;
    for (const auto& [sub, line] : lines) all.push_back(line);
    const std::string whole_file = WriteUsage("whole", all);
    const std::string single = Text(Part(*index, {whole_file}));
    for (int split = 0; split < 4; ++split) {
      const int k = 2 + static_cast<int>(rng() % 15);
      std::vector<std::vector<std::string>> buckets(static_cast<size_t>(k));
      const int how = split % 3;  // 0: rows scattered at random, 1: consecutive runs (byte ranges), 2: by subscription
      for (size_t i = 0; i < lines.size(); ++i) {
        size_t b = how == 0   ? rng() % static_cast<size_t>(k)
                   : how == 1 ? i * static_cast<size_t>(k) / lines.size()
                              : static_cast<size_t>(lines[i].first) % static_cast<size_t>(k);
        buckets[b].push_back(lines[i].second);
      }
      std::vector<Partial> parts;
      for (int p = 0; p < k; ++p) {
        const std::string file = WriteUsage("w" + std::to_string(world) + "_s" + std::to_string(split) + "_p" +
                                                std::to_string(p),
                                            buckets[static_cast<size_t>(p)]);
        parts.push_back(Part(*index, {file}));
      }
      // Sums do not depend on the order parts are merged in, nor on grouping: ((a+b)+c) = (a+(b+c)).
      std::shuffle(parts.begin(), parts.end(), rng);
      const size_t cut = 1 + rng() % (parts.size() - 1);
      std::vector<Partial> left(parts.begin(), parts.begin() + static_cast<long>(cut));
      std::vector<Partial> right(parts.begin() + static_cast<long>(cut), parts.end());
      auto a = MergePartials(std::move(left));
      auto b = MergePartials(std::move(right));
      ASSERT_TRUE(a.ok() && b.ok());
      std::vector<Partial> two;
      two.push_back(std::move(a).value());
      two.push_back(std::move(b).value());
      auto merged = MergePartials(std::move(two));
      ASSERT_TRUE(merged.ok()) << merged.status().ToString();
      // The report, the unattributed groups and the reconciliation are identical; the rejected-line listing is
      // compared by count (its order follows the parts').
      EXPECT_EQ(ResultText(merged->result), ResultText(Part(*index, {whole_file}).result))
          << "world " << world << ", " << k << " parts, split " << how;
      EXPECT_EQ(merged->rejected_total, Part(*index, {whole_file}).rejected_total);
    }
    EXPECT_FALSE(single.empty());
  }
}

TEST(Partial, PartsOfAnotherDirectoryPolicyOrTheSameInputTwiceAreRefused) {
  std::mt19937 rng(7);
  auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
  std::vector<std::string> lines;
  for (const auto& [sub, line] : RandomLines(rng, 20)) lines.push_back(line);
  const std::string a = WriteUsage("refuse_a", lines), b = WriteUsage("refuse_b", lines);
  auto refused = [&](Partial x, Partial y, const std::string& words) {
    std::vector<Partial> parts;
    parts.push_back(std::move(x));
    parts.push_back(std::move(y));
    auto merged = MergePartials(std::move(parts));
    ASSERT_FALSE(merged.ok());
    EXPECT_EQ(merged.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(merged.status().ToString().find(words), std::string::npos) << merged.status().ToString();
  };
  refused(Part(*index, {a}), Part(*index, {b}, {"feedfacefeedfacefeedfacefeedface", 4}), "another directory");
  refused(Part(*index, {a}), Part(*index, {b}, {"0000", 3}), "another directory");
  refused(Part(*index, {a}), Part(*index, {b}, kDirectory, "pec"), "another role policy");
  refused(Part(*index, {a}), Part(*index, {a}), "counted twice");
}

TEST(Partial, ADamagedOrTruncatedPartIsRefused) {
  std::mt19937 rng(9);
  auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
  std::vector<std::string> lines;
  for (const auto& [sub, line] : RandomLines(rng, 50)) lines.push_back(line);
  std::stringstream bytes;
  WritePartial(Part(*index, {WriteUsage("damaged", lines)}), bytes);
  const std::string good = bytes.str();
  for (size_t at : {size_t{3}, good.size() / 2, good.size() - 1}) {
    std::string bad = good;
    bad[at] ^= 0x10;
    std::istringstream in(bad);
    EXPECT_EQ(ReadPartial(in, "bad").status().code(), StatusCode::kCorruption) << at;
  }
  std::istringstream truncated(good.substr(0, good.size() - 9));
  EXPECT_EQ(ReadPartial(truncated, "short").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace openpal::engine::testing
