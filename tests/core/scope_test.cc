// ARM scopes: every kind parses, malformed forms are rejected, comparison is whole-segment and
// case-insensitive, and lexical ancestry walks parents, resource group and subscription.
#include "core/scope.h"

#include <gtest/gtest.h>

#include "core/guid.h"

namespace openpal {
namespace {

const std::string kSub = "/subscriptions/00000000-0000-0000-0000-00000000000a";
const std::string kOrder = "/providers/Microsoft.Capacity/reservationOrders/11111111-1111-1111-1111-111111111111";
const std::string kMg = "/providers/Microsoft.Management/managementGroups/Contoso-MG";
const std::string kAssignment = "/providers/Microsoft.Authorization/roleAssignments/22222222-2222-2222-2222-222222222222";

Scope P(const std::string& text) {
  auto s = Scope::Parse(text);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : Scope::Root();
}

std::vector<std::string> Texts(const std::vector<Scope>& scopes) {
  std::vector<std::string> out;
  for (const Scope& s : scopes) out.push_back(s.text());
  return out;
}

struct KindCase {
  std::string text;
  ScopeKind kind;
  std::string expected_text;  // text() after parsing
};

TEST(ScopeParse, EveryKind) {
  const KindCase cases[] = {
      {"/", ScopeKind::kRoot, "/"},
      {kMg, ScopeKind::kManagementGroup, kMg},
      {kMg + "/", ScopeKind::kManagementGroup, kMg},
      {"/providers/Microsoft.Billing/billingAccounts/8611537", ScopeKind::kTenantResource,
       "/providers/Microsoft.Billing/billingAccounts/8611537"},
      {kOrder, ScopeKind::kTenantResource, kOrder},
      {kOrder + "/reservations/33333333-3333-3333-3333-333333333333", ScopeKind::kTenantResource,
       kOrder + "/reservations/33333333-3333-3333-3333-333333333333"},
      // EA export: a collection URL with a trailing "/" reads as the reservation order that holds it.
      {kOrder + "/reservations/", ScopeKind::kTenantResource, kOrder},
      {kSub, ScopeKind::kSubscription, kSub},
      {kSub + "/", ScopeKind::kSubscription, kSub},
      {"/SUBSCRIPTIONS/ABC", ScopeKind::kSubscription, "/SUBSCRIPTIONS/ABC"},
      {kSub + "/providers/Microsoft.Security/pricings/VirtualMachines", ScopeKind::kSubscriptionResource,
       kSub + "/providers/Microsoft.Security/pricings/VirtualMachines"},
      {kSub + "/resourceGroups/rg1", ScopeKind::kResourceGroup, kSub + "/resourceGroups/rg1"},
      {kSub + "/resourcegroups/RG1", ScopeKind::kResourceGroup, kSub + "/resourcegroups/RG1"},
      {kSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa1", ScopeKind::kResource,
       kSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa1"},
      {kSub + "/resourcegroups/rg1/providers/microsoft.storage/storageaccounts/sa1", ScopeKind::kResource,
       kSub + "/resourcegroups/rg1/providers/microsoft.storage/storageaccounts/sa1"},
      {kSub + "/resourceGroups/rg1/providers/Microsoft.Sql/servers/s1/databases/db1", ScopeKind::kResource,
       kSub + "/resourceGroups/rg1/providers/Microsoft.Sql/servers/s1/databases/db1"},
      {kSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa1/blobServices/default/"
              "containers/c1",
       ScopeKind::kResource,
       kSub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/sa1/blobServices/default/"
              "containers/c1"},
      // Role assignments on a subscription or resource group are resources of those scopes.
      {kSub + kAssignment, ScopeKind::kSubscriptionResource, kSub + kAssignment},
      {kSub + "/resourceGroups/rg1" + kAssignment, ScopeKind::kResource, kSub + "/resourceGroups/rg1" + kAssignment},
      // Extension resources: on a resource, a nested resource, a management group, a tenant resource.
      {kSub + "/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1" + kAssignment,
       ScopeKind::kExtensionResource,
       kSub + "/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1" + kAssignment},
      {kSub + "/resourceGroups/rg1/providers/Microsoft.Sql/servers/s1/databases/db1" + kAssignment,
       ScopeKind::kExtensionResource,
       kSub + "/resourceGroups/rg1/providers/Microsoft.Sql/servers/s1/databases/db1" + kAssignment},
      {kMg + kAssignment, ScopeKind::kExtensionResource, kMg + kAssignment},
      {kOrder + kAssignment, ScopeKind::kExtensionResource, kOrder + kAssignment},
      {"/providers/Microsoft.Authorization/roleAssignments/x", ScopeKind::kTenantResource,
       "/providers/Microsoft.Authorization/roleAssignments/x"},
      // Names keep spaces, dots, parentheses and non-ASCII letters.
      {kSub + "/resourceGroups/My RG (prod).v2/providers/Microsoft.Web/sites/caf\xc3\xa9", ScopeKind::kResource,
       kSub + "/resourceGroups/My RG (prod).v2/providers/Microsoft.Web/sites/caf\xc3\xa9"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto s = Scope::Parse(c.text);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->kind(), c.kind) << ScopeKindName(s->kind());
    EXPECT_EQ(s->text(), c.expected_text);
    EXPECT_EQ(s->key(), AsciiLower(c.expected_text));
  }
}

TEST(ScopeParse, RejectsEveryMalformedForm) {
  const std::string rejected[] = {
      "",                                           // empty
      "subscriptions/abc",                          // no leading "/"
      " /subscriptions/abc",                        // not trimmed
      "//",                                         // empty segment
      "//subscriptions/abc",
      "/subscriptions//resourceGroups/rg",
      kSub + "//",
      "/subscriptions", "/subscriptions/",          // no subscription ID
      kSub + "/resourceGroups", kSub + "/resourceGroups/",   // no resource group name
      kSub + "/providers", kSub + "/providers/",             // provider without namespace
      kSub + "/providers/Microsoft.Compute",                 // namespace without type
      kSub + "/providers/Microsoft.Compute/virtualMachines", // type without name
      kSub + "/resourceGroups/rg1/providers/Microsoft.Sql/servers/s1/databases",  // child type without name
      kOrder + "/reservations",                              // a collection without the export's trailing "/"
      "/providers", "/providers/Microsoft.Management", "/providers/Microsoft.Management/managementGroups",
      kSub + "/foo/bar",                                     // unknown segment after the subscription
      kSub + "/resourceGroups/rg1/foo/bar",
      "/resourceGroups/rg1",                                 // a resource group without a subscription
      "/tenants/abc",
      kSub + "/resourceGroups/rg\x01",                       // control characters
      kSub + "/resourceGroups/rg\n1",
      kSub + "/resourceGroups/rg\x7f",
      std::string("/subscriptions/a\0b", 18),
      "\\subscriptions\\abc",
      "https://management.azure.com/subscriptions/abc",
  };
  for (const auto& text : rejected) {
    SCOPED_TRACE(text);
    auto s = Scope::Parse(text);
    ASSERT_FALSE(s.ok()) << ScopeKindName(s->kind());
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find("not an ARM scope"), std::string::npos);
  }
}

TEST(ScopeParse, ErrorQuotesTheInputAndSaysWhatWasExpected) {
  auto s = Scope::Parse(kSub + "/providers/Microsoft.Compute");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(kSub + "/providers/Microsoft.Compute"), std::string::npos);
  EXPECT_NE(s.status().message().find("resource type"), std::string::npos) << s.status().message();
}

TEST(ScopeAccessors, SubscriptionResourceGroupAndManagementGroup) {
  const Scope r = P(kSub + "/resourcegroups/RG1/providers/Microsoft.Sql/servers/s1/databases/db1");
  EXPECT_EQ(r.subscription_id(), "00000000-0000-0000-0000-00000000000a");
  EXPECT_EQ(r.resource_group(), "RG1");
  EXPECT_EQ(r.management_group_id(), std::nullopt);
  EXPECT_EQ(P(kSub).resource_group(), std::nullopt);
  EXPECT_EQ(P("/").subscription_id(), std::nullopt);
  EXPECT_EQ(P(kMg).management_group_id(), "Contoso-MG");
  EXPECT_EQ(P(kMg + kAssignment).management_group_id(), "Contoso-MG");
  EXPECT_EQ(P(kMg).subscription_id(), std::nullopt);
  // The EA reservation form names no subscription, so its cost row has no subscription.
  EXPECT_EQ(P(kOrder + "/reservations/").subscription_id(), std::nullopt);
  EXPECT_EQ(P(kOrder + "/reservations/").resource_group(), std::nullopt);
}

TEST(ScopeFactories, MatchParsing) {
  EXPECT_EQ(Scope::ForSubscription("00000000-0000-0000-0000-00000000000A"), P(kSub));
  EXPECT_EQ(Scope::ForSubscription("abc").kind(), ScopeKind::kSubscription);
  EXPECT_EQ(Scope::ForManagementGroup("contoso-mg"), P(kMg));
  EXPECT_EQ(Scope::ForManagementGroup("contoso-mg").kind(), ScopeKind::kManagementGroup);
  EXPECT_EQ(Scope::ForManagementGroup("Contoso-MG").management_group_id(), "Contoso-MG");
  EXPECT_EQ(Scope::Root().text(), "/");
  EXPECT_EQ(Scope::Root().kind(), ScopeKind::kRoot);
}

TEST(ScopeCovers, WholeSegmentsCaseInsensitive) {
  const Scope rg1 = P("/subscriptions/A/resourceGroups/rg1");
  EXPECT_TRUE(rg1.Covers(P("/subscriptions/a/resourcegroups/RG1/providers/Microsoft.Web/sites/x")));
  EXPECT_TRUE(rg1.Covers(P("/subscriptions/a/resourcegroups/RG1")));  // itself
  EXPECT_FALSE(rg1.Covers(P("/subscriptions/A/resourceGroups/rg10")));
  EXPECT_FALSE(rg1.Covers(P("/subscriptions/A/resourceGroups/rg10/providers/Microsoft.Web/sites/x")));
  EXPECT_FALSE(rg1.Covers(P("/subscriptions/A")));                   // not upward
  EXPECT_FALSE(P("/subscriptions/A").Covers(P("/subscriptions/AB")));
  EXPECT_TRUE(P("/subscriptions/A").Covers(P("/subscriptions/a/providers/Microsoft.Security/pricings/x")));
  EXPECT_TRUE(P("/").Covers(P(kMg)));
  EXPECT_TRUE(P("/").Covers(P(kSub)));
  EXPECT_FALSE(P(kSub).Covers(P("/")));
  // A resource covers its children and its extension resources.
  const Scope server = P(kSub + "/resourceGroups/rg1/providers/Microsoft.Sql/servers/s1");
  EXPECT_TRUE(server.Covers(P(kSub + "/resourceGroups/rg1/providers/Microsoft.Sql/servers/S1/databases/db1")));
  EXPECT_FALSE(server.Covers(P(kSub + "/resourceGroups/rg1/providers/Microsoft.Sql/servers/s10/databases/db1")));
  // Management-group ancestry is the tree's business, not the text's.
  EXPECT_FALSE(P(kMg).Covers(P(kSub)));
}

TEST(ScopeEquality, IgnoresCaseAndTrailingSlash) {
  EXPECT_EQ(P(kSub + "/resourceGroups/RG1/"), P(kSub + "/resourcegroups/rg1"));
  EXPECT_FALSE(P(kSub + "/resourceGroups/RG1") == P(kSub + "/resourceGroups/RG10"));
  EXPECT_TRUE(P("/subscriptions/a") < P("/subscriptions/b"));
  EXPECT_EQ(P(kSub + "/resourceGroups/RG1/").text(), kSub + "/resourceGroups/RG1");  // caller's casing kept
}

TEST(ScopeAncestors, NestedResourceWalksParentsThenGroupThenSubscription) {
  const std::string rg = kSub + "/resourceGroups/rg1";
  const std::string sa = rg + "/providers/Microsoft.Storage/storageAccounts/sa1";
  const Scope container = P(sa + "/blobServices/default/containers/c1");
  EXPECT_EQ(Texts(container.LexicalAncestors()),
            (std::vector<std::string>{sa + "/blobServices/default", sa, rg, kSub}));
  EXPECT_EQ(container.Parent()->text(), sa + "/blobServices/default");
  EXPECT_EQ(container.Parent()->kind(), ScopeKind::kResource);
}

TEST(ScopeAncestors, ExtensionResourceExtendsItsScope) {
  const std::string rg = kSub + "/resourceGroups/rg1";
  const std::string server = rg + "/providers/Microsoft.Sql/servers/s1";
  const std::string db = server + "/databases/db1";
  const Scope ext = P(db + kAssignment);
  EXPECT_EQ(Texts(ext.LexicalAncestors()), (std::vector<std::string>{db, server, rg, kSub}));
  EXPECT_EQ(ext.Parent()->kind(), ScopeKind::kResource);
  // On a management group: the group itself, nothing above (the tree supplies that).
  EXPECT_EQ(Texts(P(kMg + kAssignment).LexicalAncestors()), (std::vector<std::string>{kMg}));
  EXPECT_EQ(P(kMg + kAssignment).Parent()->kind(), ScopeKind::kManagementGroup);
}

TEST(ScopeAncestors, TopLevelsAndTenantResources) {
  EXPECT_TRUE(P("/").LexicalAncestors().empty());
  EXPECT_FALSE(P("/").Parent().has_value());
  EXPECT_TRUE(P(kSub).LexicalAncestors().empty());
  EXPECT_FALSE(P(kSub).Parent().has_value());
  EXPECT_TRUE(P(kMg).LexicalAncestors().empty());
  EXPECT_FALSE(P(kMg).Parent().has_value());
  EXPECT_EQ(Texts(P(kSub + "/resourceGroups/rg1").LexicalAncestors()), (std::vector<std::string>{kSub}));
  EXPECT_EQ(Texts(P(kSub + "/providers/Microsoft.Security/pricings/x").LexicalAncestors()),
            (std::vector<std::string>{kSub}));
  // Tenant-level resources end with the root.
  const std::string reservation = kOrder + "/reservations/33333333-3333-3333-3333-333333333333";
  EXPECT_EQ(Texts(P(reservation).LexicalAncestors()), (std::vector<std::string>{kOrder, "/"}));
  EXPECT_EQ(Texts(P(kOrder + "/reservations/").LexicalAncestors()), (std::vector<std::string>{"/"}));
}

TEST(ScopeAncestors, EveryAncestorCoversTheScope) {
  const Scope ext = P(kSub + "/resourcegroups/RG/providers/a.b/t1/n1/t2/n2" + kAssignment);
  for (const Scope& a : ext.LexicalAncestors()) {
    EXPECT_TRUE(a.Covers(ext)) << a.text();
    EXPECT_FALSE(ext.Covers(a)) << a.text();
  }
}

TEST(ScopeKindName, NamesEveryKind) {
  EXPECT_STREQ(ScopeKindName(ScopeKind::kRoot), "Root");
  EXPECT_STREQ(ScopeKindName(ScopeKind::kManagementGroup), "ManagementGroup");
  EXPECT_STREQ(ScopeKindName(ScopeKind::kTenantResource), "TenantResource");
  EXPECT_STREQ(ScopeKindName(ScopeKind::kSubscription), "Subscription");
  EXPECT_STREQ(ScopeKindName(ScopeKind::kSubscriptionResource), "SubscriptionResource");
  EXPECT_STREQ(ScopeKindName(ScopeKind::kResourceGroup), "ResourceGroup");
  EXPECT_STREQ(ScopeKindName(ScopeKind::kResource), "Resource");
  EXPECT_STREQ(ScopeKindName(ScopeKind::kExtensionResource), "ExtensionResource");
}

}  // namespace
}  // namespace openpal
