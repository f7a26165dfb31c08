// The speed machinery changes nothing: batched crediting with prefetching, a profile cache shared by two attributors,
// and the per-partner report-cell caches (including when they overflow) give the report of one-row-at-a-time crediting.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "engine/report_writer.h"
#include "world.h"

namespace openpal::engine::testing {
namespace {

// Three subscriptions, users linked to three partners over overlapping spans, roles on subscriptions and groups.
World DenseWorld(std::mt19937& rng) {
  const char* subs[] = {"aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002",
                        "aaaaaaaa-0000-4000-8000-000000000003"};
  const char* users[] = {"cccccccc-0000-4000-8000-000000000001", "cccccccc-0000-4000-8000-000000000002",
                         "cccccccc-0000-4000-8000-000000000003"};
  const char* partners[] = {"1000001", "1000002", "1000003"};
  const std::string_view roles[] = {kOwnerRole, kContributorRole, kReaderRole};
  auto day = [](int d) { return Timestamp::FromSeconds(1767225600LL + d * 86400LL); };  // 2026-01-01
  World w;
  for (const char* s : subs) w.Placement(s, kTenant, Interval{day(0), Timestamp::Max()});
  for (const char* p : partners) w.Partner(p, Interval{day(0), Timestamp::Max()}, PartnerLevel::kLocation);
  for (int u = 0; u < 3; ++u) {
    w.User(kTenant, users[u], Interval{day(0), Timestamp::Max()}, true);
    w.Link(kTenant, users[u], partners[u], Interval{day(static_cast<int>(rng() % 10)), Timestamp::Max()});
  }
  for (int i = 0; i < 9; ++i) {
    std::string scope = std::string("/subscriptions/") + subs[i % 3];
    if (i >= 3) scope += "/resourceGroups/rg" + std::to_string(i % 2);
    int from = static_cast<int>(rng() % 40);
    w.Assign(kTenant, scope, users[rng() % 3], roles[rng() % 3], Interval{day(from), day(from + 30 + static_cast<int>(rng() % 40))});
  }
  return w;
}

// Rows over 100 days, 12 currencies (so each partner meets more (month, currency, admin) cells than its cache holds),
// some on unknown subscriptions, some without a ResourceId.
struct Rows {
  std::vector<std::string> texts;  // keeps the views of `rows` alive
  std::vector<usage::UsageRow> rows;
};
Rows RandomRows(std::mt19937& rng, int n) {
  static const char* currencies[] = {"USD", "EUR", "GBP", "JPY", "CHF", "SEK", "NOK", "DKK", "AUD", "CAD", "NZD", "PLN"};
  Rows out;
  out.texts.reserve(static_cast<size_t>(n) * 2);
  for (int i = 0; i < n; ++i) {
    int sub = 1 + static_cast<int>(rng() % 4);  // 4 is unknown
    std::string resource = "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000" + std::to_string(sub) +
                           "/resourceGroups/rg" + std::to_string(rng() % 3) + "/providers/Microsoft.Web/sites/s" +
                           std::to_string(rng() % 5);
    if (rng() % 20 == 0) resource.clear();
    out.texts.push_back(resource);
    out.texts.push_back("aaaaaaaa-0000-4000-8000-00000000000" + std::to_string(sub));
  }
  for (int i = 0; i < n; ++i) {
    usage::UsageRow r;
    r.resource_id = out.texts[2 * static_cast<size_t>(i)];
    r.subscription = out.texts[2 * static_cast<size_t>(i) + 1];
    r.start = Timestamp::FromSeconds(1767225600LL + static_cast<int64_t>(rng() % 100) * 86400LL + rng() % 86400);
    r.end = Timestamp::FromSeconds(r.start.micros / 1000000 + static_cast<int64_t>(rng() % 3) * 43200LL);
    r.amount = *usage::ParseMoney(std::to_string(rng() % 100000) + "." + std::to_string(rng() % 1000));
    r.currency = currencies[rng() % 12];
    out.rows.push_back(r);
  }
  return out;
}

TEST(Batching, BatchedSharedAndCachedCreditingEqualsOneRowAtATime) {
  for (int seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(static_cast<unsigned>(seed));
    World world = DenseWorld(rng);
    auto index = DirectoryIndex::Build(world.facts);
    Rows rows = RandomRows(rng, 3000);

    Attributor single(*index, RolePolicy::All());
    for (const auto& r : rows.rows) single.AddRow(r);
    const std::string expected = ResultText(single.Finish());
    ASSERT_NE(expected.find(",Partner,"), std::string::npos);  // the world does credit someone

    // Batches of uneven sizes (below, at and above the pipeline's batch) through one attributor, whose stage of
    // resolved rows is credited in profile order one row at a time, every few rows, or only at the end.
    for (size_t stage : {size_t{1}, size_t{7}, size_t{500}, Attributor::kStageRows}) {
      SCOPED_TRACE(stage);
      Attributor batched(std::make_shared<ProfileCache>(*index, RolePolicy::All(), 1), 0, stage);
      for (size_t at = 0, step = 1; at < rows.rows.size(); at += step, step = step * 3 % 301 + 1)
        batched.AddRows(rows.rows.data() + at, std::min(step, rows.rows.size() - at));
      EXPECT_EQ(ResultText(batched.Finish()), expected);
    }

    // Two attributors sharing one profile cache, taking alternate batches, merged as results and by Absorb (which
    // must credit what the other still keeps).
    auto cache = std::make_shared<ProfileCache>(*index, RolePolicy::All(), 2);
    Attributor first(cache, 0, 333), second(cache, 1, 333);
    for (size_t at = 0; at < rows.rows.size(); at += 200)
      ((at / 200) % 2 ? second : first).AddRows(rows.rows.data() + at, std::min<size_t>(200, rows.rows.size() - at));
    std::vector<CellTable> parts;
    parts.push_back(first.FinishCells());
    parts.push_back(second.FinishCells());
    EXPECT_EQ(ResultText(NameCells(MergeCells(std::move(parts)))), expected);

    // Attributors with caches of their own (as on different machines: their pool ids differ), merged as tables in
    // either order, and through the text form of one of them.
    for (bool reversed : {false, true}) {
      SCOPED_TRACE(reversed);
      Attributor a(*index, RolePolicy::All()), b(*index, RolePolicy::All());
      for (size_t at = 0; at < rows.rows.size(); at += 100)
        ((at / 100) % 3 ? a : b).AddRows(rows.rows.data() + at, std::min<size_t>(100, rows.rows.size() - at));
      std::vector<CellTable> tables;
      tables.push_back(reversed ? CellsOf(b.Finish()) : a.FinishCells());
      tables.push_back(reversed ? a.FinishCells() : b.FinishCells());
      EXPECT_EQ(ResultText(NameCells(MergeCells(std::move(tables)))), expected);
    }

    auto shared = std::make_shared<ProfileCache>(*index, RolePolicy::All(), 2);
    Attributor one(shared, 0, 1000), other(shared, 1, 1000);
    for (size_t at = 0; at < rows.rows.size(); at += 250)
      ((at / 250) % 2 ? other : one).AddRows(rows.rows.data() + at, std::min<size_t>(250, rows.rows.size() - at));
    one.Absorb(other);
    EXPECT_EQ(ResultText(one.Finish()), expected);
  }
}

}  // namespace
}  // namespace openpal::engine::testing
