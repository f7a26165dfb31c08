// Reading snapshots: both JSON shapes, every field of the base fixture, partners.csv, and the demo world.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "snapshot_fixture.h"

namespace openpal::ingest::testing {
namespace {

namespace fs = std::filesystem;
const std::string kBase = std::string(OPENPAL_TEST_DATA) + "/snapshots/base";
const std::string kDemo = std::string(OPENPAL_SOURCE_DIR) + "/demo/snapshots";

TEST(SnapshotReader, ReadsEveryFileOfTheBaseFixture) {
  auto snapshot = ReadSnapshot(kBase, {});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->as_of, T("2026-07-01"));
  ASSERT_TRUE(snapshot->partners.has_value());
  ASSERT_EQ(snapshot->partners->size(), 2u);
  EXPECT_EQ((*snapshot->partners)[0].partner_name, "Example Partner, Global");  // quoted comma
  EXPECT_EQ((*snapshot->partners)[1].global_partner_id, "1000");
  ASSERT_EQ(snapshot->tenants.size(), 1u);
  const TenantSnapshot& t = snapshot->tenants[0];
  EXPECT_EQ(t.tenant.display_name, "Test Tenant A");
  ASSERT_EQ(t.users->size(), 2u);
  EXPECT_EQ((*t.users)[1].value.user_type, UserType::kGuest);
  EXPECT_EQ((*t.users)[0].created, T("2025-01-01"));
  EXPECT_EQ((*t.service_principals)[1].value.sp_type, ServicePrincipalType::kManagedIdentity);
  EXPECT_EQ((*t.service_principals)[1].value.sign_in_name, "0d000000-0000-4000-8000-000000000002");
  // The device member is skipped; nested groups (a cycle, even) are kept as direct edges.
  EXPECT_EQ(t.memberships->size(), 5u);
  EXPECT_EQ(t.management_groups->root_group_id, kTenantA);
  EXPECT_EQ(t.management_groups->groups.size(), 2u);
  EXPECT_EQ(t.management_groups->subscription_parent.at(kSub1), "Workloads");
  ASSERT_EQ(t.role_assignments->size(), 3u);
  EXPECT_EQ((*t.role_assignments)[0].created, T("2025-04-01T10:00:00.123456Z"));
  EXPECT_EQ((*t.role_assignments)[0].value.role_guid, "b24988ac-6180-42a0-ab88-20f7382dd24c");
  EXPECT_EQ((*t.role_assignments)[1].value.principal_type, AssigneeType::kGroup);
  EXPECT_EQ((*t.role_assignments)[2].value.role_guid, "b24988ac-6180-42a0-ab88-20f7382dd24c");  // bare GUID
  EXPECT_EQ((*t.role_assignments)[2].value.scope,
            "/subscriptions/5b000000-0000-4000-8000-000000000002/resourcegroups/rg-app/providers/Microsoft.Web/sites/app1");
  ASSERT_EQ(t.lighthouse->size(), 2u);
  EXPECT_EQ((*t.lighthouse)[0].scope, "/subscriptions/" + kSub1 + "/resourceGroups/rg-managed");
  EXPECT_TRUE((*t.lighthouse)[1].eligible);
  ASSERT_EQ(t.links->size(), 1u);
  EXPECT_EQ((*t.links)[0].value.partner_id, "1001");
  EXPECT_FALSE(t.custom_roles.has_value());  // absent file
}

TEST(SnapshotReader, ABareArrayAndAGraphPageGiveTheSameFacts) {
  SnapshotWorld w;
  std::string users = Array({UserJson(kUser1), UserJson(kUser2, "\"accountEnabled\": false")});
  w.Begin("bare", "2026-07-01T00:00:00Z");
  w.TenantFile("bare", kTenantA, "users.json", users);
  w.Begin("page", "2026-07-01T00:00:00Z");
  w.TenantFile("page", kTenantA, "users.json",
               "{\"@odata.context\": \"x\", \"value\": " + users + ", \"@odata.nextLink\": \"https://graph/next\"}");
  auto bare = ReadSnapshot(w.Dir("bare"), {});
  auto page = ReadSnapshot(w.Dir("page"), {});
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(bare->tenants[0].users->size(), 2u);
  ASSERT_EQ(page->tenants[0].users->size(), 2u);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ((*bare->tenants[0].users)[i].value, (*page->tenants[0].users)[i].value);
}

TEST(SnapshotReader, AUtf8ByteOrderMarkIsAccepted) {
  SnapshotWorld w;
  w.Begin("bom", "2026-07-01T00:00:00Z");
  w.TenantFile("bom", kTenantA, "users.json", "\xEF\xBB\xBF" + Array({UserJson(kUser1)}));
  auto read = ReadSnapshot(w.Dir("bom"), {});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->tenants[0].users->size(), 1u);
}

TEST(SnapshotReader, WithoutAnAsOfTheSnapshotIsRefusedUnlessTheFlagGivesOne) {
  SnapshotWorld w;
  w.Write("s", "tenants/" + kTenantA + "/tenant.json", "{\"tenantId\": \"" + kTenantA + "\"}");
  auto missing = ReadSnapshot(w.Dir("s"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--as-of"), std::string::npos);
  ReadOptions options;
  options.as_of = T("2026-09-01");
  auto given = ReadSnapshot(w.Dir("s"), options);
  ASSERT_TRUE(given.ok()) << given.status().ToString();
  EXPECT_EQ(given->as_of, T("2026-09-01"));
}

TEST(PartnersCsv, ReadsQuotesCrlfAndAByteOrderMark) {
  auto partners = ParsePartnersCsv(
      "\xEF\xBB\xBF" "PartnerId,PartnerName,Level,GlobalPartnerId,State,TenantId\r\n"
      "1000,\"Name, with \"\"quotes\"\"\",global,,active,\r\n"
      "\r\n"
      "1001,\"Two\nlines\",location,1000,Deleted," + kTenantB + "\r\n",
      "partners.csv");
  ASSERT_TRUE(partners.ok()) << partners.status().ToString();
  ASSERT_EQ(partners->size(), 2u);
  EXPECT_EQ((*partners)[0].partner_name, "Name, with \"quotes\"");
  EXPECT_EQ((*partners)[0].level, PartnerLevel::kGlobal);
  EXPECT_EQ((*partners)[1].partner_name, "Two\nlines");
  EXPECT_EQ((*partners)[1].state, PartnerState::kDeleted);
  EXPECT_EQ((*partners)[1].tenant_id, kTenantB);
}

TEST(PartnersCsv, ErrorsNameTheLine) {
  struct Case {
    std::string text, expected;
  };
  const std::string header = "partnerId,partnerName,level,globalPartnerId,state\n";
  for (const Case& c : std::vector<Case>{
           {"", "partners.csv:1"},
           {"partnerId,partnerName,level\n", "partners.csv:1: the header lacks column 'globalpartnerid'"},
           {header + "1000,A,global,,active\n12x,B,global,,active\n", "partners.csv:3: partnerId"},
           {header + "1000,A,global,,active,extra\n", "partners.csv:2: expected 5 fields"},
           {header + "1001,L,location,,active\n", "partners.csv:2: globalPartnerId"},
           {header + "1000,A,global,,gone\n", "partners.csv:2: state"},
           {header + "1000,\"A,global,,active\n", "partners.csv:2: a quoted field is not closed"},
           {header + "1000,A,global,,active\n1000,B,global,,active\n", "partners.csv:3: partner ID 1000 is listed twice"},
       }) {
    auto result = ParsePartnersCsv(c.text, "partners.csv");
    ASSERT_FALSE(result.ok()) << c.text;
    EXPECT_NE(result.status().ToString().find(c.expected), std::string::npos)
        << result.status().ToString() << " / expected " << c.expected;
  }
}

TEST(PartnersCsv, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string text = "partnerId,partnerName,level,globalPartnerId,state\n";
    size_t n = rng() % 64;
    for (size_t j = 0; j < n; ++j) text += ",\"\n\r1aglobalocation "[rng() % 19];
    auto result = ParsePartnersCsv(text, "p.csv");
    if (!result.ok()) {
      EXPECT_FALSE(result.status().where().empty());
    }
  }
}

TEST(DemoWorld, TheFourSnapshotsImportInOrderWithTheDescribedChanges) {
  SnapshotWorld w;
  std::vector<ImportSummary> summaries;
  for (const char* date : {"2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"}) {
    auto read = ReadSnapshot(kDemo + "/" + date, {});
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    auto summary = ImportSnapshot(w.store(), *read);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    summaries.push_back(*summary);
  }
  // 09-01: the Coho operator is disabled, Tailspin-Arcade moves to Wide World Importers, Jo's link moves,
  // and Proseware's assignment disappears.
  const auto& sep = summaries[2].by_kind;
  EXPECT_EQ(sep.at(FactKind::kPrincipal).closed, 1);
  EXPECT_EQ(sep.at(FactKind::kSubscription).closed, 1);
  EXPECT_EQ(sep.at(FactKind::kPartnerLink).opened, 1);
  EXPECT_EQ(sep.at(FactKind::kRoleAssignment).closed, 1);
  // Jo's link: Contoso Seattle until 2026-08-15T09:00Z, then Fabrikam Berlin.
  const std::string jo = "30000000-0000-4000-8000-070000000001";
  auto links = w.Facts(FactKind::kPartnerLink);
  EXPECT_EQ(IntervalsOf(links, jo), (std::vector<Interval>{{T("2026-03-15T11:30:00Z"), T("2026-08-15T09:00:00Z")},
                                                           {T("2026-08-15T09:00:00Z"), Timestamp::Max()}}));
  // The Coho operator: enabled until 09-01, disabled until deleted at 2026-09-20T14:00Z.
  auto principals = w.Facts(FactKind::kPrincipal);
  EXPECT_EQ(IntervalsOf(principals, "30000000-0000-4000-8000-060000000002"),
            (std::vector<Interval>{{T("2026-01-05T08:00:00Z"), T("2026-09-01")},
                                   {T("2026-09-01"), T("2026-09-20T14:00:00Z")}}));
  // Margie's assignment first seen on 08-01 starts at its createdOn.
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kRoleAssignment), "60000000-0000-4000-8000-100000000001"),
            (std::vector<Interval>{{T("2026-07-10T08:00:00Z"), Timestamp::Max()}}));
}

}  // namespace
}  // namespace openpal::ingest::testing
