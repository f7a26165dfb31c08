// `pal explain`: each path at one moment, with the first failing step in words, and the same verdict as crediting.
#include <gtest/gtest.h>

#include "engine/explain.h"
#include "world.h"

namespace openpal::engine::testing {
namespace {

TEST(Explain, QualifyingPathNamesThePartnerAndAdminType) {
  auto index = DirectoryIndex::Build(World::Standard().facts);
  auto e = Explain(*index, RolePolicy::All(), kVm, T("2026-02-01T10:00:00Z"), std::nullopt);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->customer_tenant, kTenant);
  ASSERT_EQ(e->paths.size(), 1u);
  EXPECT_TRUE(e->paths[0].qualifies);
  EXPECT_EQ(e->credited_partners, std::vector<std::string>{kPartner});
  EXPECT_FALSE(e->reason.has_value());
  std::string text = ExplanationText(*e);
  EXPECT_NE(text.find("qualifies, partner 1000001 is credited (AdminType Contributor)"), std::string::npos) << text;
  // The chain: the resource, its group, its subscription, the tenant root group, "/".
  EXPECT_EQ(e->chain.front(), kVm);
  EXPECT_EQ(e->chain.back(), "/");
}

TEST(Explain, SaysWhyAPathDoesNotQualifyAndGivesTheReasonCode) {
  World w = World::Standard();
  std::get<openpal::Partner>(w.facts[2].value).level = PartnerLevel::kGlobal;
  auto index = DirectoryIndex::Build(w.facts);
  auto e = Explain(*index, RolePolicy::All(), kVm, T("2026-02-01"), std::string(kPartner));
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->paths.size(), 1u);
  EXPECT_FALSE(e->paths[0].qualifies);
  EXPECT_NE(e->paths[0].explanation.find("global"), std::string::npos) << e->paths[0].explanation;
  EXPECT_EQ(e->reason, std::optional<std::string>("PARTNER_ID_INVALID"));
  EXPECT_NE(ExplanationJson(*e).find("\"partnerIdValid\": false"), std::string::npos);
}

// Found by fuzz/routes_fuzz.cc: a resource ID with invalid UTF-8 (any bytes fit a resource group's name) made the
// JSON writer throw, a 500 on /openpal/v1/explain. The bytes are replaced by U+FFFD, as every other JSON output does.
TEST(Explain, JsonOfAResourceWithInvalidUtf8ReplacesTheBadBytes) {
  auto index = DirectoryIndex::Build(World::Standard().facts);
  std::string bad = std::string(kVm) + "\xd6\x8b\x96";
  auto e = Explain(*index, RolePolicy::All(), bad, T("2026-02-01T10:00:00Z"), std::nullopt);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  std::string json;
  ASSERT_NO_THROW(json = ExplanationJson(*e));
  EXPECT_NE(json.find("\xEF\xBF\xBD"), std::string::npos) << json;
}

TEST(Explain, BeforeTheLinkAndOutsideTheDirectory) {
  auto index = DirectoryIndex::Build(World::Standard().facts);
  auto early = Explain(*index, RolePolicy::All(), kVm, T("2025-06-01"), std::nullopt);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->reason, std::optional<std::string>("UNKNOWN_SUBSCRIPTION"));
  auto no_scope = Explain(*index, RolePolicy::All(), "/providers/Microsoft.Capacity/reservationOrders/1", T("2026-02-01"),
                          std::nullopt);
  ASSERT_TRUE(no_scope.ok());
  EXPECT_EQ(no_scope->reason, std::optional<std::string>("NO_SCOPE"));
  EXPECT_FALSE(Explain(*index, RolePolicy::All(), "not a scope", T("2026-02-01"), std::nullopt).ok());
  auto by_guid = Explain(*index, RolePolicy::All(), kSub, T("2026-02-01"), std::nullopt);
  ASSERT_TRUE(by_guid.ok());
  EXPECT_EQ(by_guid->credited_partners.size(), 1u);
}

TEST(Explain, AgreesWithCreditingAtEveryHourOfARandomisedDay) {
  World w = World::Standard();
  w.facts[3].valid = From("2026-02-01T05:00:00Z", "2026-02-01T17:00:00Z");
  auto index = DirectoryIndex::Build(w.facts);
  Attributor a(*index, RolePolicy::All());
  for (int h = 0; h < 24; ++h) {
    Timestamp at = Timestamp{T("2026-02-01").micros + h * 3600000000LL};
    auto e = Explain(*index, RolePolicy::All(), kVm, at, std::nullopt);
    ASSERT_TRUE(e.ok());
    usage::UsageRow row = Row(kVm, "2026-02-01", "2026-02-01");
    row.start = row.end = at;
    auto reason = a.Classify(row);
    EXPECT_EQ(e->credited_partners.empty(), reason.has_value()) << h;
    if (reason) {
      EXPECT_EQ(*e->reason, ReasonCode(*reason));
    }
  }
}

}  // namespace
}  // namespace openpal::engine::testing
