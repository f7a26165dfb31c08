// Fuzzes the plain parsers of src/core and the usage reader's fast paths on the same text: scopes and resource IDs,
// times (ParseTime and the cost-export fast path), GUIDs and money amounts. Oracles: what parses, re-parses to the
// same value from its own printed form, and the fast time path agrees with ParseTime.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/guid.h"
#include "core/scope.h"
#include "core/time.h"
#include "fuzz_util.h"
#include "ingest/usage/fast_time.h"
#include "ingest/usage/money.h"

using namespace openpal;
using fuzz::Violated;

namespace {

void CheckScope(std::string_view text) {
  auto scope = Scope::Parse(text);
  if (!scope.ok()) return;
  auto again = Scope::Parse(scope->text());
  if (!again.ok() || !(*again == *scope) || again->kind() != scope->kind())
    Violated("a scope does not re-parse from its own text");
  if (!scope->Covers(*scope)) Violated("a scope does not cover itself");
  for (const Scope& ancestor : scope->LexicalAncestors())
    if (!ancestor.Covers(*scope) || ancestor == *scope) Violated("a lexical ancestor does not cover its descendant");
  if (auto parent = scope->Parent()) {
    if (!parent->Covers(*scope) || *parent == *scope) Violated("a parent does not cover its child");
  }
  (void)scope->subscription_id();
  (void)scope->resource_group();
  (void)scope->management_group_id();
}

void CheckTime(std::string_view text) {
  auto t = ParseTime(text);
  if (t.ok()) {
    // Printed times have four-digit years: check the round trip where that holds.
    static const Timestamp kFirst{DaysFromCivil(1, 1, 1) * 86400 * 1000000};
    static const Timestamp kLast{DaysFromCivil(10000, 1, 1) * 86400 * 1000000};
    if (*t >= kFirst && *t < kLast) {
      auto back = ParseTime(FormatIsoTime(*t));
      if (!back.ok() || *back != *t) Violated("a time does not re-parse from FormatIsoTime");
      (void)FormatArmTime(*t);
      (void)FormatMonth(*t);
    }
  }
  auto fast = usage::ParseUsageTime(text);
  if (fast) {
    if (!t.ok() || fast->at != *t) Violated("the usage reader's fast time path disagrees with ParseTime");
    if (fast->date_only != IsDateOnly(text)) Violated("date_only disagrees with IsDateOnly");
  } else if (t.ok()) {
    Violated("ParseTime accepts a time the usage reader refuses");
  }
}

void CheckGuid(std::string_view text) {
  auto g = NormalizeGuid(text);
  if (g && (NormalizeGuid(*g) != g || !IsGuid(*g))) Violated("a normalised GUID is not normal");
}

void CheckMoney(std::string_view text) {
  auto m = usage::ParseMoney(text);
  if (!m) return;
  std::string printed = usage::FormatMoney(*m);
  auto back = usage::ParseMoney(printed);
  if (!back) Violated("FormatMoney printed what ParseMoney refuses");
  // FormatMoney keeps 10 of the 12 decimals (rounded half away from zero): at most 0.5e-10 = 50 units apart.
  __int128 diff = back->units - m->units;
  if (diff > 50 || diff < -50) Violated("a money amount does not survive FormatMoney");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckScope(text);
  CheckTime(text);
  CheckGuid(text);
  CheckMoney(text);
  return 0;
}
