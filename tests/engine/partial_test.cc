// Mergeable parts (docs/partial-format.md): any split of the usage into 2-16 parts, each credited alone, written,
// read back and merged, gives byte for byte the report of one run over all of it; foreign parts are refused.
#include "engine/partial.h"
#include "engine/profile_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <unistd.h>
#define XXH_INLINE_ALL  // header-only, as the engine uses it
#include <xxhash.h>

#include <cstring>

#include "world.h"

namespace openpal::engine::testing {
namespace {

const Store::DirectoryVersion kDirectory{"feedfacefeedfacefeedfacefeedface", 3};

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
  // The process ID in the name: ctest -j runs this binary's tests at once, and other checkouts share /tmp.
  const std::string path =
      ::testing::TempDir() + "/partial_" + std::to_string(::getpid()) + "_" + name + ".csv";
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

// A part over bytes [begin, end) of `file`, through the in-memory format and back. `split_bytes` small makes the run
// cut the range further into threads' parts.
Partial RangePart(const DirectoryView& index, const std::string& file, ByteRange range, uint64_t split_bytes = 64 << 20) {
  AttributeOptions options;
  options.files = {file};
  options.range = range;
  options.threads = 3;
  options.split_bytes = split_bytes;
  auto part = AttributeToPartial(index, kDirectory, RolePolicy::All(), "all", "effective", options);
  EXPECT_TRUE(part.ok()) << part.status().ToString();
  auto read = PartialFromBytes(PartialToBytes(*part), "part");
  EXPECT_TRUE(read.ok()) << read.status().ToString();
  return std::move(read).value();
}

std::string Text(const Partial& part) {
  std::ostringstream rejected;
  WriteRejectedLines(part, rejected);
  // The count in `pal attribute`'s last line too: exact after a merge (the union of the parts' scopes).
  return ResultText(part.result) + rejected.str() + "distinct scopes: " + std::to_string(part.result.distinct_scopes) + "\n";
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
      EXPECT_EQ(merged->result.distinct_scopes, Part(*index, {whole_file}).result.distinct_scopes);
    }
    EXPECT_FALSE(single.empty());
  }
}

// A per-input part in format version 3 (results as rows of text), as the binaries of that version wrote it.
std::string VersionThreeBytes(const Partial& part) {
  std::string out("PALPART\n");
  auto raw = [&out](const auto& v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  auto u32 = [&raw](uint32_t v) { raw(v); };
  auto u64 = [&raw](uint64_t v) { raw(v); };
  auto str = [&](const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    out += s;
  };
  auto amount = [&](Money m) {
    const auto u = static_cast<unsigned __int128>(m.units);
    u64(static_cast<uint64_t>(u));
    u64(static_cast<uint64_t>(u >> 64));
  };
  u32(3);
  str(part.directory.store_id);
  u64(part.directory.version);
  str(part.role_policy);
  str(part.measure);
  u64(part.inputs.size());
  for (const auto& input : part.inputs) {
    str(input.path);
    u64(input.size);
    raw(input.mtime_ns);
    u64(input.spans.size());
    for (const auto& span : input.spans)
      for (uint64_t v : {span.range.begin, span.range.end, span.first, span.end, span.lines, span.lines_before}) u64(v);
  }
  for (const auto& input : part.inputs) {
    const AttributionResult r = NameCells(input.result);
    u64(r.rows_read);
    u64(r.rows_rejected_without_cost);
    u64(r.distinct_scopes);
    u64(r.report.size());
    for (const auto& row : r.report) {
      for (const std::string* s : {&row.partner_id, &row.partner_name, &row.customer_tenant_id, &row.subscription_id,
                                   &row.month, &row.currency, &row.admin_type})
        str(*s);
      u64(row.usage_rows);
      amount(row.total_cost);
      amount(row.attributed_cost);
    }
    u64(r.unattributed.size());
    for (const auto& row : r.unattributed) {
      for (const std::string* s : {&row.subscription_id, &row.month, &row.currency, &row.reason}) str(*s);
      u64(row.usage_rows);
      amount(row.total_cost);
    }
    u64(r.reconciliation.size());
    for (const auto& c : r.reconciliation) {
      str(c.currency);
      for (uint64_t v : {c.rows_credited, c.rows_not_credited, c.rows_rejected}) u64(v);
      for (Money m : {c.read, c.credited, c.not_credited, c.rejected, c.attributed}) amount(m);
    }
  }
  u64(part.scope_keys.size());
  for (const auto& key : part.scope_keys) str(key);
  u64(part.rejected_total);
  u64(part.rejections.size());
  for (const auto& r : part.rejections) {
    u32(r.input);
    u32(r.span);
    u64(r.line);
    str(r.why);
  }
  u64(XXH3_64bits(out.data(), out.size()));
  return out;
}

// Parts without each input's result (per_input false: what pal attribute --dask asks for when nothing is saved) merge
// to the same report, distinct scopes and listing as parts with them, alone or mixed with them (the merge then keeps
// the sum only); they are smaller; and a version-3 part (always per input, no flags) is still read.
TEST(Partial, PartsWithoutPerInputResultsMergeToTheSameRunAndVersionThreeIsRead) {
  std::mt19937 rng(4);
  auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
  const auto lines = RandomLines(rng, 900);
  std::vector<std::string> all, files;
  for (const auto& [sub, line] : lines) all.push_back(line);
  const std::string whole = WriteUsage("lumped_whole", all);
  for (int k = 0; k < 6; ++k)
    files.push_back(WriteUsage("lumped_" + std::to_string(k),
                               std::vector<std::string>(all.begin() + k * 150, all.begin() + (k + 1) * 150)));
  auto credit = [&](const std::vector<std::string>& inputs, bool per_input) {
    AttributeOptions options;
    options.files = inputs;
    auto part = AttributeToPartial(*index, kDirectory, RolePolicy::All(), "all", "effective", options, per_input);
    EXPECT_TRUE(part.ok()) << part.status().ToString();
    return std::move(part).value();
  };
  const std::string single = Text(Part(*index, files));
  Partial lumped = credit({files[0], files[1], files[2]}, false);
  Partial with = credit({files[0], files[1], files[2]}, true);
  EXPECT_FALSE(lumped.per_input);
  EXPECT_LT(PartialToBytes(lumped).size() * 2, PartialToBytes(with).size());
  auto read = PartialFromBytes(PartialToBytes(lumped), "lumped");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_FALSE(read->per_input);
  EXPECT_EQ(read->inputs.size(), 3u);
  EXPECT_EQ(read->inputs[0].result.rows_read, 0u);
  EXPECT_EQ(Text(*read), Text(with));
  // Mixed: the rest with per-input results, merged in two groupings.
  std::vector<Partial> parts;
  parts.push_back(std::move(read).value());
  parts.push_back(credit({files[3]}, true));
  parts.push_back(credit({files[4], files[5]}, false));
  auto merged = MergePartials(parts);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_FALSE(merged->per_input);
  EXPECT_EQ(Text(*merged), single);
  auto again = PartialFromBytes(PartialToBytes(*merged), "merged");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Text(*again), single);
  std::vector<Partial> per_input_only;
  per_input_only.push_back(with);
  per_input_only.push_back(credit({files[3], files[4], files[5]}, true));
  auto kept = MergePartials(std::move(per_input_only));
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->per_input);
  EXPECT_EQ(kept->inputs[4].result.rows_read, 150u);
  EXPECT_EQ(Text(*kept), single);
  // Version 3: no flags word, each input's result as rows of text (written here as docs/partial-format.md gives it).
  std::string bytes = VersionThreeBytes(with);
  auto old = PartialFromBytes(bytes, "version 3");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_TRUE(old->per_input);
  EXPECT_EQ(Text(*old), Text(with));
  for (size_t i = 0; i < with.inputs.size(); ++i)
    EXPECT_EQ(ResultText(old->inputs[i].result), ResultText(with.inputs[i].result));
  // Another version is refused, saying which it reads.
  const uint32_t two = 2;
  std::memcpy(bytes.data() + 8, &two, 4);
  const uint64_t checksum2 = XXH3_64bits(bytes.data(), bytes.size() - 8);
  std::memcpy(bytes.data() + bytes.size() - 8, &checksum2, 8);
  auto refused = PartialFromBytes(bytes, "version 2");
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("versions 3 to " + std::to_string(kPartialFormatVersion)), std::string::npos) << refused.status().ToString();
}

// Parts sharing one profile cache (a Dask session) each carry the scopes they were first to profile: merged, the
// count is the single run's; a part crediting rows whose scopes are all profiled already carries none.
TEST(Partial, PartsSharingAProfileCacheCountEachScopeOnceWhenMerged) {
  std::mt19937 rng(9);
  auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
  const auto lines = RandomLines(rng, 600);
  std::vector<std::string> all;
  for (const auto& [sub, line] : lines) all.push_back(line);
  const std::string whole = WriteUsage("shared_whole", all);
  const std::string a = WriteUsage("shared_a", std::vector<std::string>(all.begin(), all.begin() + 300));
  const std::string b = WriteUsage("shared_b", std::vector<std::string>(all.begin() + 300, all.end()));
  auto cache = std::make_shared<ProfileCache>(*index, RolePolicy::All(), 1);
  auto credit = [&](const std::string& file) {
    AttributeOptions options;
    options.files = {file};
    options.threads = 1;
    options.profiles = cache;
    auto part = AttributeToPartial(*index, kDirectory, RolePolicy::All(), "all", "effective", options, false);
    EXPECT_TRUE(part.ok()) << part.status().ToString();
    return std::move(part).value();
  };
  std::vector<Partial> parts;
  parts.push_back(credit(a));
  parts.push_back(credit(b));
  Partial again = credit(whole);
  EXPECT_EQ(again.scope_keys.size(), 0u);
  EXPECT_EQ(parts[0].scope_keys.size() + parts[1].scope_keys.size(), cache->size());
  auto merged = MergePartials(std::move(parts));
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->result.distinct_scopes, Part(*index, {whole}).result.distinct_scopes);
  EXPECT_EQ(ResultText(merged->result), ResultText(Part(*index, {whole}).result));
}

// Runs on a cache that keeps each slot's attributor state for the next run (ProfileCache::KeepMemos, as a Dask
// worker's tasks of one session do): every run's result is a fresh cache's, whichever rows, cells and currencies the
// runs before it met (their cells are kept with no rows, their cell caches left in the blocks), on one thread or
// several, and the parts merge to the single run.
TEST(Partial, RunsKeepingTheirSlotsStateForTheNextRunCreditEachRunAlone) {
  std::mt19937 rng(17);
  for (int world = 0; world < 4; ++world) {
    auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
    const auto lines = RandomLines(rng, 800);
    std::vector<std::string> all;
    for (const auto& [sub, line] : lines) all.push_back(line);
    const std::string whole = WriteUsage("kept_whole", all);
    std::vector<std::string> files;
    for (int k = 0; k < 5; ++k) {  // uneven pieces, the last two repeating rows of the first
      const size_t from = k < 3 ? k * 200 : (k - 3) * 50, to = k < 3 ? from + 200 + (k == 2 ? 200 : 0) : from + 120;
      files.push_back(WriteUsage("kept_" + std::to_string(k),
                                 std::vector<std::string>(all.begin() + from, all.begin() + std::min(to, all.size()))));
    }
    for (int threads : {1, 3}) {
      SCOPED_TRACE(::testing::Message() << "world " << world << ", threads " << threads);
      auto cache = std::make_shared<ProfileCache>(*index, RolePolicy::All(), threads);
      cache->KeepMemos(true);
      auto credit = [&](const std::string& file, std::shared_ptr<ProfileCache> profiles) {
        AttributeOptions options;
        options.files = {file};
        options.threads = threads;
        options.split_bytes = 512;  // several threads' parts of each file
        options.profiles = std::move(profiles);
        auto part = AttributeToPartial(*index, kDirectory, RolePolicy::All(), "all", "effective", options, false);
        EXPECT_TRUE(part.ok()) << part.status().ToString();
        return std::move(part).value();
      };
      std::vector<Partial> parts;
      for (const auto& file : {files[0], files[1], files[2]}) {
        parts.push_back(credit(file, cache));
        EXPECT_EQ(ResultText(parts.back().result), ResultText(credit(file, nullptr).result)) << file;
      }
      EXPECT_TRUE(cache->every_slot_has_memo());
      // Rows met before (their cells are kept) and the whole again.
      EXPECT_EQ(ResultText(credit(files[3], cache).result), ResultText(credit(files[3], nullptr).result));
      EXPECT_EQ(ResultText(credit(files[4], cache).result), ResultText(credit(files[4], nullptr).result));
      EXPECT_EQ(ResultText(credit(whole, cache).result), ResultText(credit(whole, nullptr).result));
      auto merged = MergePartials(std::move(parts));
      ASSERT_TRUE(merged.ok()) << merged.status().ToString();
      const Partial single = Part(*index, {files[0], files[1], files[2]});
      EXPECT_EQ(ResultText(merged->result), ResultText(single.result));
      EXPECT_EQ(merged->result.distinct_scopes, single.result.distinct_scopes);
    }
  }
}

uint64_t FileSize(const std::string& path) { return std::filesystem::file_size(path); }

std::string SlurpFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Byte ranges of one file (docs/partial-format.md "Byte ranges of one file"): cut anywhere (inside a line, on a line
// start, in the header), credited alone and merged in any order and grouping, they give the single run's report,
// unattributed groups, reconciliation and rejected-row listing (its lines numbered in the whole file) byte for byte.
TEST(Partial, ByteRangesOfOneFileCutAnywhereMergeToTheSingleRunByteForByte) {
  std::mt19937 rng(1616);
  for (int world = 0; world < 10; ++world) {
    auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
    std::vector<std::string> all;
    for (const auto& [sub, line] : RandomLines(rng, 400)) all.push_back(line);
    if (world % 2) all.insert(all.begin() + static_cast<long>(rng() % all.size()), "");  // a blank line
    const std::string file = WriteUsage("ranges" + std::to_string(world), all);
    const std::string single = Text(Part(*index, {file}));
    const uint64_t size = FileSize(file);
    for (int split = 0; split < 5; ++split) {
      const size_t k = 2 + rng() % 15;
      std::vector<uint64_t> cuts = {0, size};
      // Random offsets (some inside the header), or the library's cuts on line starts.
      if (split == 4) {
        auto ranges = CutIntoRanges(file, static_cast<int>(k));
        ASSERT_TRUE(ranges.ok()) << ranges.status().ToString();
        ASSERT_EQ(ranges->front().begin, 0u);
        ASSERT_EQ(ranges->back().end, size);
        cuts = {0};
        for (const auto& r : *ranges) cuts.push_back(r.end);
      } else {
        while (cuts.size() < k + 1) cuts.push_back(1 + rng() % (size - 1));
      }
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      std::vector<Partial> parts;
      for (size_t p = 0; p + 1 < cuts.size(); ++p)
        parts.push_back(RangePart(*index, file, {cuts[p], cuts[p + 1]}, split == 3 ? 256 : 64 << 20));
      std::shuffle(parts.begin(), parts.end(), rng);
      const size_t cut = 1 + rng() % (parts.size() - 1 + (parts.size() == 1));
      std::vector<Partial> left(parts.begin(), parts.begin() + static_cast<long>(std::min(cut, parts.size())));
      std::vector<Partial> right(parts.begin() + static_cast<long>(std::min(cut, parts.size())), parts.end());
      auto a = MergePartials(std::move(left));
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      std::vector<Partial> two;
      two.push_back(std::move(a).value());
      if (!right.empty()) {
        auto b = MergePartials(std::move(right));
        ASSERT_TRUE(b.ok()) << b.status().ToString();
        two.push_back(std::move(b).value());
      }
      auto merged = MergePartials(std::move(two));
      ASSERT_TRUE(merged.ok()) << merged.status().ToString();
      EXPECT_TRUE(CheckComplete(*merged).ok()) << CheckComplete(*merged).ToString();
      ASSERT_EQ(merged->inputs.size(), 1u);
      EXPECT_EQ(merged->inputs[0].path, file);  // one input, listed once
      EXPECT_EQ(Text(*merged), single) << "world " << world << ", cuts " << cuts.size() - 1 << ", split " << split;
    }
  }
}

// Merges `parts` (kept in order) as a random tree: consecutive groups merged, then the groups' merges, and so on.
Partial MergeAsRandomTree(std::vector<Partial> parts, std::mt19937& rng) {
  while (parts.size() > 1) {
    std::vector<Partial> next;
    for (size_t i = 0; i < parts.size();) {
      const size_t n = std::min(parts.size() - i, 1 + rng() % 4);
      std::vector<Partial> group(std::make_move_iterator(parts.begin() + static_cast<long>(i)),
                                 std::make_move_iterator(parts.begin() + static_cast<long>(i + n)));
      auto merged = MergePartials(std::move(group));
      EXPECT_TRUE(merged.ok()) << merged.status().ToString();
      next.push_back(std::move(merged).value());
      i += n;
    }
    parts = std::move(next);
  }
  return std::move(parts.front());
}

// The CI property (issue 16): the usage of a random world in several files (some of them its rows of one subscription),
// split at random into 2-16 parts mixing whole files, groups of files and byte ranges of one file cut anywhere; every
// merge is the single run over the same files byte for byte: report, unattributed groups, reconciliation and
// rejected-row listing (inputs given in file order; in any order and grouping the report is the same).
TEST(Partial, MixedSplitsByFileByteRangeAndSubscriptionMergeToTheSingleRunByteForByte) {
  std::mt19937 rng(2026);
  for (int world = 0; world < 8; ++world) {
    auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
    const auto lines = RandomLines(rng, 900);
    // The inputs: a few files of consecutive rows, and the rows of one subscription in a file of their own.
    const int by_sub = 1 + static_cast<int>(rng() % 3);
    std::vector<std::vector<std::string>> contents(1 + rng() % 3);
    std::vector<std::string> of_sub;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].first == by_sub) of_sub.push_back(lines[i].second);
      else contents[i * contents.size() / lines.size()].push_back(lines[i].second);
    }
    contents.insert(contents.begin() + static_cast<long>(rng() % (contents.size() + 1)), of_sub);
    std::vector<std::string> files;
    for (size_t f = 0; f < contents.size(); ++f)
      files.push_back(WriteUsage("mixed" + std::to_string(world) + "_" + std::to_string(f), contents[f]));
    const std::string single = Text(Part(*index, files));
    for (int split = 0; split < 4; ++split) {
      // Each file whole (alone or with its neighbours) or cut into byte ranges; 2 to 16 parts in all.
      std::vector<Partial> parts;
      for (size_t f = 0; f < files.size();) {
        const uint64_t size = FileSize(files[f]);
        if (rng() % 2 && parts.size() < 12) {
          std::vector<uint64_t> cuts = {0, size};
          for (size_t n = 1 + rng() % 4; n > 0; --n) cuts.push_back(1 + rng() % (size - 1));
          std::sort(cuts.begin(), cuts.end());
          cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
          for (size_t c = 0; c + 1 < cuts.size(); ++c)
            parts.push_back(RangePart(*index, files[f], {cuts[c], cuts[c + 1]}, rng() % 2 ? 512 : 64 << 20));
          ++f;
        } else {
          const size_t n = std::min(files.size() - f, 1 + rng() % 2);
          parts.push_back(Part(*index, std::vector<std::string>(files.begin() + static_cast<long>(f),
                                                                files.begin() + static_cast<long>(f + n))));
          f += n;
        }
      }
      if (parts.size() < 2) parts.push_back(Part(*index, {WriteUsage("empty" + std::to_string(world), {})}));
      ASSERT_LE(parts.size(), 16u);
      std::vector<Partial> shuffled = parts;
      const Partial merged = MergeAsRandomTree(std::move(parts), rng);
      EXPECT_TRUE(CheckComplete(merged).ok()) << CheckComplete(merged).ToString();
      // An empty file added as a part of its own adds nothing to the text but its input.
      EXPECT_EQ(Text(merged), single) << "world " << world << ", split " << split;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      const Partial any_order = MergeAsRandomTree(std::move(shuffled), rng);
      EXPECT_EQ(ResultText(any_order.result), ResultText(merged.result));
      EXPECT_EQ(any_order.rejected_total, merged.rejected_total);
    }
  }
}

TEST(Partial, OverlappingMissingOrRepeatedRangesAreRefused) {
  std::mt19937 rng(5);
  auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
  std::vector<std::string> lines;
  for (const auto& [sub, line] : RandomLines(rng, 100)) lines.push_back(line);
  const std::string file = WriteUsage("range_refuse", lines);
  const uint64_t size = FileSize(file), mid = size / 2;
  auto merge = [&](std::vector<ByteRange> ranges) {
    std::vector<Partial> parts;
    for (const auto& r : ranges) parts.push_back(RangePart(*index, file, r));
    return MergePartials(std::move(parts));
  };
  auto overlap = merge({{0, mid + 10}, {mid, size}});
  ASSERT_FALSE(overlap.ok());
  EXPECT_NE(overlap.status().ToString().find("counted twice"), std::string::npos) << overlap.status().ToString();
  auto repeated = merge({{0, mid}, {mid, size}, {mid, size}});
  ASSERT_FALSE(repeated.ok());
  EXPECT_NE(repeated.status().ToString().find("counted twice"), std::string::npos);
  auto whole_and_range = merge({{0, size}, {mid, size}});
  EXPECT_FALSE(whole_and_range.ok());
  // A gap is kept (parts of a tree merge), but is no report.
  auto gap = merge({{0, mid / 2}, {mid, size}});
  ASSERT_TRUE(gap.ok()) << gap.status().ToString();
  Status incomplete = CheckComplete(*gap);
  EXPECT_EQ(incomplete.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(incomplete.ToString().find("in no part"), std::string::npos) << incomplete.ToString();
  // Empty, reversed or past-the-end ranges are refused when the part is made.
  AttributeOptions options;
  options.files = {file};
  for (ByteRange bad : {ByteRange{mid, mid}, ByteRange{mid, 1}, ByteRange{0, size + 1}}) {
    options.range = bad;
    EXPECT_EQ(AttributeToPartial(*index, kDirectory, RolePolicy::All(), "all", "effective", options).status().code(),
              StatusCode::kInvalidArgument);
  }
}

// A cut inside a quoted field that holds line breaks cannot be seen from the range after it: the merge finds it
// (the record before the cut ends past where the next range began), refuses, and names the bytes to credit again;
// credited so, the merge is the single run's.
TEST(Partial, ACutInsideAQuotedLineBreakIsRefusedAndTheNamedRangeRepairsIt) {
  std::mt19937 rng(11);
  auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
  std::vector<std::string> lines;
  for (const auto& [sub, line] : RandomLines(rng, 40)) lines.push_back(line);
  const std::string quoted = "2026-01-05T00:00:00Z,2026-01-06T00:00:00Z,1.5,USD,\"/subscriptions/x\n"
                             "2026-01-05T00:00:00Z,2026-01-06T00:00:00Z,99,USD,/not/a/row\"";
  lines.insert(lines.begin() + 20, quoted);
  const std::string file = WriteUsage("quoted_cut", lines);
  const std::string single = Text(Part(*index, {file}));
  const std::string text = SlurpFile(file);
  const uint64_t inside = text.find("/subscriptions/x\n") + 17;  // just after the quoted line break
  std::vector<Partial> parts;
  parts.push_back(RangePart(*index, file, {0, inside - 5}));
  parts.push_back(RangePart(*index, file, {inside - 5, FileSize(file)}));
  auto refused = MergePartials(parts);
  ASSERT_FALSE(refused.ok());
  const std::string why = refused.status().ToString();
  EXPECT_NE(why.find("inside a record"), std::string::npos) << why;
  const uint64_t record_end = text.find('\n', inside) + 1;
  EXPECT_NE(why.find("credit bytes " + std::to_string(record_end) + ":" + std::to_string(FileSize(file))),
            std::string::npos)
      << why;
  parts[1] = RangePart(*index, file, {record_end, FileSize(file)});
  auto merged = MergePartials(std::move(parts));
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(Text(*merged), single);
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

// A blob's SHA-256 (computed by the worker that streamed it) travels in the part and through merges, so that saving
// the run never downloads the blob again; parts that read one blob with different checksums are refused.
TEST(Partial, AnInputsChecksumTravelsThroughPartsAndAChangedBlobIsRefused) {
  std::mt19937 rng(11);
  auto index = DirectoryIndex::Build(RandomWorld(rng).facts);
  std::vector<std::string> lines;
  for (const auto& [sub, line] : RandomLines(rng, 40)) lines.push_back(line);
  const std::string file = WriteUsage("checksum", lines);
  const uint64_t size = std::filesystem::file_size(file);
  const std::string one(64, 'a'), other(64, 'b');
  auto halves = [&](const std::string& first, const std::string& second) {
    std::vector<Partial> parts;
    parts.push_back(RangePart(*index, file, {0, size / 2}));
    parts.push_back(RangePart(*index, file, {size / 2, size}));
    EXPECT_EQ(parts[0].inputs[0].sha256, "") << "a local file's checksum is left to pal merge --save";
    parts[0].inputs[0].sha256 = first;
    parts[1].inputs[0].sha256 = second;
    for (auto& part : parts) {
      auto read = PartialFromBytes(PartialToBytes(part), "part");
      EXPECT_TRUE(read.ok()) << read.status().ToString();
      part = std::move(read).value();
    }
    EXPECT_EQ(parts[0].inputs[0].sha256, first) << "written and read back";
    return MergePartials(std::move(parts));
  };
  auto merged = halves(one, one);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  ASSERT_EQ(merged->inputs.size(), 1u);
  EXPECT_EQ(merged->inputs[0].sha256, one);
  EXPECT_TRUE(merged->inputs[0].complete());
  auto changed = halves(one, other);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(changed.status().ToString().find("the blob changed between parts"), std::string::npos)
      << changed.status().ToString();
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
