// The inventory rules of engine/link_inventory.h on a small hand-built history: identity kinds (member, guest,
// service principal, managed identity, Lighthouse through nested groups, eligible never), API and imported links,
// and the at-risk rule (users only; a linked app makes a customer safe; the partner's own tenant never counts).
#include <stdlib.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "engine/link_inventory.h"
#include "store/store.h"

namespace openpal::testing {
namespace {

const TenantId kPartnerTenant = "aaaaaaaa-0000-4000-8000-000000000001";
const TenantId kCustomerA = "bbbbbbbb-0000-4000-8000-000000000001";
const TenantId kCustomerB = "bbbbbbbb-0000-4000-8000-000000000002";
const ObjectId kEngineer = "11111111-0000-4000-8000-000000000001";   // partner tenant, member, in Ops (via Tier2)
const ObjectId kOpsGroup = "11111111-0000-4000-8000-0000000000a1";
const ObjectId kTier2 = "11111111-0000-4000-8000-0000000000a2";
const ObjectId kGuest = "22222222-0000-4000-8000-000000000001";      // customer A, guest
const ObjectId kIdentity = "22222222-0000-4000-8000-000000000002";   // customer A, managed identity
const ObjectId kOwner = "33333333-0000-4000-8000-000000000001";      // customer B, member
const Timestamp kStart = Timestamp::FromSeconds(1767225600);           // 2026-01-01
const Timestamp kAt = Timestamp::FromSeconds(1767225600 + 30 * 86400);

class LinkInventoryRules : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "pal-inventory-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = OpenSqliteStore(dir_ + "/inv.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    Import();
    // Owner B links through the API (version 1, source api).
    auto linked = store_->ChangeLink(kCustomerB, kOwner, kStart, "req", [](const LinkState&) {
      return LinkDecision{LinkDecision::Action::kCreate, "5000011"};
    });
    ASSERT_TRUE(linked.ok()) << linked.status().ToString();
  }
  // The directory, in one import transaction (destroyed on return: it holds the write lock until then).
  void Import() {
    auto tx = store_->BeginImport();
    ASSERT_TRUE(tx.ok());
    Interval always{kStart, Timestamp::Max()};
    auto put = [&](const FactValue& v) { ASSERT_TRUE((*tx)->Insert(v, always).ok()); };
    put(Tenant{kPartnerTenant, "Partner Co", "partner.example"});
    put(Tenant{kCustomerA, "Customer A", "a.example"});
    put(Tenant{kCustomerB, "Customer B", "b.example"});
    put(Partner{"5000001", "Partner Co", PartnerLevel::kGlobal, "", PartnerState::kActive, kPartnerTenant});
    put(Partner{"5000011", "Partner Co East", PartnerLevel::kLocation, "5000001", PartnerState::kActive, ""});
    put(Principal{kPartnerTenant, kEngineer, PrincipalKind::kUser, UserType::kMember, ServicePrincipalType::kOther,
                  "Engineer", "eng@partner.example", true});
    put(Principal{kCustomerA, kGuest, PrincipalKind::kUser, UserType::kGuest, ServicePrincipalType::kOther, "Guest",
                  "guest_partner#EXT#@a.example", true});
    put(Principal{kCustomerA, kIdentity, PrincipalKind::kServicePrincipal, UserType::kUnknown,
                  ServicePrincipalType::kManagedIdentity, "id-deploy", "app-id", true});
    put(Principal{kCustomerB, kOwner, PrincipalKind::kUser, UserType::kMember, ServicePrincipalType::kOther, "Owner B",
                  "owner@b.example", true});
    // Engineer ∈ Tier2 ∈ Ops; Ops holds a permanent authorization in customer B, Engineer an eligible one in A.
    put(GroupMembership{kPartnerTenant, kTier2, kEngineer, PrincipalKind::kUser});
    put(GroupMembership{kPartnerTenant, kOpsGroup, kTier2, PrincipalKind::kGroup});
    put(LighthouseAuthorization{kCustomerB, "/subscriptions/s-b/providers/Microsoft.ManagedServices/registrationAssignments/1",
                                "/subscriptions/s-b", kPartnerTenant, kOpsGroup, "Ops",
                                "b24988ac-6180-42a0-ab88-20f7382dd24c", false});
    put(LighthouseAuthorization{kCustomerA, "/subscriptions/s-a/providers/Microsoft.ManagedServices/registrationAssignments/2",
                                "/subscriptions/s-a", kPartnerTenant, kEngineer, "Engineer",
                                "b24988ac-6180-42a0-ab88-20f7382dd24c", true});
    put(PartnerLink{kPartnerTenant, kEngineer, "5000011", LinkSource::kImport, kStart, 0});
    put(PartnerLink{kCustomerA, kGuest, "5000011", LinkSource::kImport, kStart, 0});
    put(PartnerLink{kCustomerA, kIdentity, "5000011", LinkSource::kImport, kStart, 0});
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  engine::LinkInventory Build(std::optional<std::string> partner = std::nullopt, Timestamp at = kAt) {
    auto inv = engine::BuildLinkInventory(*store_, engine::InventoryQuery{at, partner, std::nullopt});
    EXPECT_TRUE(inv.ok()) << inv.status().ToString();
    return inv.ok() ? *inv : engine::LinkInventory{};
  }
  static const engine::InventoryLink* Find(const engine::LinkInventory& inv, const TenantId& tenant,
                                           const ObjectId& object) {
    for (const auto& l : inv.links)
      if (l.tenant_id == tenant && l.object_id == object) return &l;
    return nullptr;
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(LinkInventoryRules, EachLinkedPrincipalGetsItsIdentityKindAndSource) {
  auto inv = Build();
  ASSERT_EQ(inv.links.size(), 5u);  // 4 links + the engineer once more as Lighthouse in customer B
  EXPECT_EQ(Find(inv, kPartnerTenant, kEngineer)->identity_kind, "member");
  EXPECT_EQ(Find(inv, kCustomerA, kGuest)->identity_kind, "guest");
  EXPECT_EQ(Find(inv, kCustomerA, kIdentity)->identity_kind, "managedIdentity");
  const auto* owner = Find(inv, kCustomerB, kOwner);
  ASSERT_NE(owner, nullptr);
  EXPECT_EQ(owner->source, "api");
  EXPECT_EQ(owner->partner_name, "Partner Co East");
  // Lighthouse through two levels of groups counts; the eligible authorization in A does not.
  const auto* delegated = Find(inv, kCustomerB, kEngineer);
  ASSERT_NE(delegated, nullptr);
  EXPECT_EQ(delegated->identity_kind, "lighthouse");
  EXPECT_EQ(delegated->principal_tenant_id, kPartnerTenant);
  EXPECT_EQ(Find(inv, kCustomerA, kEngineer), nullptr);
}

TEST_F(LinkInventoryRules, OnlyCustomersWhoseCreditRestsOnUsersAreAtRisk) {
  auto inv = Build("5000001");  // the global ID: its location's links
  // Customer A has a linked managed identity besides the guest: safe. Customer B: the API-linked owner and the
  // Lighthouse engineer are both users: at risk. The partner's own tenant: never.
  ASSERT_EQ(inv.at_risk.size(), 1u);
  EXPECT_EQ(inv.at_risk[0].tenant_id, kCustomerB);
  EXPECT_EQ(inv.at_risk[0].linked_users, 2);
  EXPECT_EQ(inv.at_risk[0].reason,
            "Only users are linked (member Owner B and Engineer (via Lighthouse)): the credit leaves with them.");
}

TEST_F(LinkInventoryRules, ALinkEndedThroughTheApiLeavesTheInventoryAtThatMoment) {
  Timestamp end = Timestamp{kAt.micros + 1000000};
  auto ended = store_->ChangeLink(kCustomerB, kOwner, end, "req2", [](const LinkState&) {
    return LinkDecision{LinkDecision::Action::kDelete, ""};
  });
  ASSERT_TRUE(ended.ok());
  EXPECT_NE(Find(Build(std::nullopt, kAt), kCustomerB, kOwner), nullptr);
  EXPECT_EQ(Find(Build(std::nullopt, end), kCustomerB, kOwner), nullptr);
  EXPECT_TRUE(Build("5000099").links.empty());  // an unknown partner ID selects nothing
}

}  // namespace
}  // namespace openpal::testing
