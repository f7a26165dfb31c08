// Randomized robustness: ParseTime and Scope::Parse take untrusted text from exports and HTTP requests,
// so garbage, mutations of valid input and huge input must give a value or an error, never a crash.
// (Run under -fsanitize=address,undefined to catch out-of-bounds reads; see docs/core.md.)
#include <chrono>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "core/guid.h"
#include "core/roles.h"
#include "core/scope.h"
#include "core/time.h"

namespace openpal {
namespace {

constexpr int kRounds = 20000;

std::string RandomBytes(std::mt19937& rng, size_t max_len) {
  std::string s(rng() % (max_len + 1), '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// Random strings over an alphabet that makes near-valid input likely.
std::string RandomFrom(std::mt19937& rng, std::string_view alphabet, size_t max_len) {
  std::string s(rng() % (max_len + 1), ' ');
  for (char& c : s) c = alphabet[rng() % alphabet.size()];
  return s;
}

// Deletes, duplicates or replaces a few bytes of a valid input.
std::string Mutate(std::mt19937& rng, std::string s, std::string_view alphabet) {
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    const size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 3) {
      case 0:
        if (pos < s.size()) s.erase(pos, 1 + rng() % 3);
        break;
      case 1: s.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
      default:
        if (pos < s.size()) s[pos] = alphabet[rng() % alphabet.size()];
    }
  }
  return s;
}

TEST(ParseTimeRobustness, RandomBytesAndMutationsNeverCrash) {
  std::mt19937 rng(20260301);
  const std::string_view alphabet = "0123456789-:/.+TZtz ,\t\n";
  const std::string seeds[] = {"2026-03-01T00:00:00Z", "2026-03-01T00:00:00.1234567+05:30", "03/01/2026",
                               "2026-03-01", "2026-03-01 12:00:00", "9999-12-31T23:59:59.999999-23:59"};
  int accepted = 0;
  for (int i = 0; i < kRounds; ++i) {
    std::string input;
    switch (i % 3) {
      case 0: input = RandomBytes(rng, 40); break;
      case 1: input = RandomFrom(rng, alphabet, 40); break;
      default: input = Mutate(rng, seeds[rng() % std::size(seeds)], alphabet);
    }
    auto t = ParseTime(input);
    if (t.ok()) {
      ++accepted;
      // Anything accepted re-parses from its formatted form to the same instant (within years 1..9999).
      const std::string formatted = FormatArmTime(*t);
      ASSERT_EQ(formatted.size(), 28u) << input;
      if (t->micros >= ParseTime("0001-01-01")->micros && t->micros < ParseTime("9999-12-31")->micros) {
        ASSERT_EQ(*ParseTime(formatted), *t) << input;
      }
    } else {
      ASSERT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    }
    (void)IsDateOnly(input);
  }
  EXPECT_GT(accepted, 100);  // the mutations do hit valid forms, so the accepting paths are exercised
}

TEST(ParseTimeRobustness, HugeInputsAreRejectedQuickly) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(ParseTime(std::string(1 << 20, '9')).ok());
  auto long_fraction = ParseTime("2026-03-01T00:00:00." + std::string(1 << 20, '9') + "Z");
  ASSERT_TRUE(long_fraction.ok());
  EXPECT_EQ(long_fraction->micros % 1000000, 999999);
  auto quoted = ParseTime(std::string(10000, 'x'));
  EXPECT_LT(quoted.status().message().size(), 400u);  // the error quotes a bounded prefix
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ScopeRobustness, RandomBytesAndMutationsNeverCrash) {
  std::mt19937 rng(4242);
  const std::string_view alphabet = "/abcsubriptonsgrupvdeRGMP.0123-_ \x01";
  const std::string seeds[] = {
      "/", "/subscriptions/abc", "/subscriptions/abc/resourceGroups/rg1",
      "/subscriptions/abc/resourceGroups/rg1/providers/Microsoft.Sql/servers/s1/databases/db1",
      "/providers/Microsoft.Management/managementGroups/mg/providers/Microsoft.Authorization/roleAssignments/x",
      "/providers/Microsoft.Capacity/reservationOrders/o/reservations/",
      "/subscriptions/", "//", "/subscriptions/abc/providers/a.b/t/n/providers/c.d/t2/n2/child/name"};
  int accepted = 0;
  for (int i = 0; i < kRounds; ++i) {
    std::string input;
    switch (i % 3) {
      case 0: input = RandomBytes(rng, 60); break;
      case 1: input = "/" + RandomFrom(rng, alphabet, 80); break;
      default: input = Mutate(rng, seeds[rng() % std::size(seeds)], alphabet);
    }
    auto s = Scope::Parse(input);
    if (!s.ok()) {
      ASSERT_EQ(s.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    ++accepted;
    // Invariants of every accepted scope.
    ASSERT_EQ(s->key(), AsciiLower(s->text()));
    ASSERT_TRUE(s->Covers(*s));
    ASSERT_TRUE(Scope::Root().Covers(*s));
    auto again = Scope::Parse(s->text());
    ASSERT_TRUE(again.ok()) << s->text();
    ASSERT_EQ(again->kind(), s->kind());
    ASSERT_EQ(again->text(), s->text());
    for (const Scope& a : s->LexicalAncestors()) {
      ASSERT_TRUE(a.Covers(*s)) << a.text() << " / " << s->text();
      ASSERT_FALSE(a == *s);
      // Ancestors are built from prefixes without re-parsing: they must equal what parsing gives.
      auto reparsed = Scope::Parse(a.text());
      ASSERT_TRUE(reparsed.ok()) << a.text();
      ASSERT_EQ(reparsed->kind(), a.kind()) << a.text();
      ASSERT_EQ(reparsed->key(), a.key());
    }
    auto parent = s->Parent();
    if (parent) {
      ASSERT_EQ(parent->text(), s->LexicalAncestors().front().text());
    }
    (void)s->subscription_id();
    (void)s->resource_group();
    (void)s->management_group_id();
  }
  EXPECT_GT(accepted, 100);
}

TEST(ScopeRobustness, VeryLongAndDeepScopes) {
  const auto start = std::chrono::steady_clock::now();
  std::string deep = "/subscriptions/s/resourceGroups/rg/providers/a.b/t/n";
  for (int i = 0; i < 5000; ++i) deep += "/child/c" + std::to_string(i);
  auto s = Scope::Parse(deep);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind(), ScopeKind::kResource);
  EXPECT_EQ(s->Parent()->text(), deep.substr(0, deep.rfind("/child/")));
  EXPECT_EQ(Scope::Parse("/subscriptions/" + std::string(1 << 20, 'x'))->kind(), ScopeKind::kSubscription);
  auto bad = Scope::Parse(std::string(1 << 20, '/'));
  ASSERT_FALSE(bad.ok());
  EXPECT_LT(bad.status().message().size(), 600u);  // the error quotes a bounded prefix
  EXPECT_FALSE(Scope::Parse("/subscriptions/").ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(GuidRobustness, RandomInputNeverCrashes) {
  std::mt19937 rng(7);
  for (int i = 0; i < kRounds; ++i) {
    const std::string input = i % 2 ? RandomBytes(rng, 40) : RandomFrom(rng, "0123456789abcdefABCDEF-{}/", 40);
    const bool is = IsGuid(input);
    ASSERT_EQ(NormalizeGuid(input).has_value(), is);
    (void)RoleGuidFromDefinitionId(input);
    (void)FindBuiltInRole(input);
  }
}

}  // namespace
}  // namespace openpal
