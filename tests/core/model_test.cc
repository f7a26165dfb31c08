// The directory model: enum names, the kind and tenant of a fact, and its stored key (exact formats).
#include "core/model.h"

#include <gtest/gtest.h>

namespace openpal {
namespace {

TEST(ModelNames, EnumsHaveTheirAzureNames) {
  EXPECT_STREQ(PrincipalKindName(PrincipalKind::kUser), "User");
  EXPECT_STREQ(PrincipalKindName(PrincipalKind::kServicePrincipal), "ServicePrincipal");
  EXPECT_STREQ(PrincipalKindName(PrincipalKind::kGroup), "Group");
  EXPECT_STREQ(UserTypeName(UserType::kMember), "Member");
  EXPECT_STREQ(UserTypeName(UserType::kGuest), "Guest");
  EXPECT_STREQ(UserTypeName(UserType::kUnknown), "Unknown");
  EXPECT_STREQ(ServicePrincipalTypeName(ServicePrincipalType::kApplication), "Application");
  EXPECT_STREQ(ServicePrincipalTypeName(ServicePrincipalType::kManagedIdentity), "ManagedIdentity");
  EXPECT_STREQ(ServicePrincipalTypeName(ServicePrincipalType::kLegacy), "Legacy");
  EXPECT_STREQ(ServicePrincipalTypeName(ServicePrincipalType::kOther), "Other");
  EXPECT_STREQ(AssigneeTypeName(AssigneeType::kUser), "User");
  EXPECT_STREQ(AssigneeTypeName(AssigneeType::kGroup), "Group");
  EXPECT_STREQ(AssigneeTypeName(AssigneeType::kServicePrincipal), "ServicePrincipal");
  EXPECT_STREQ(AssigneeTypeName(AssigneeType::kForeignGroup), "ForeignGroup");
  EXPECT_STREQ(AssigneeTypeName(AssigneeType::kDevice), "Device");
  EXPECT_STREQ(AssigneeTypeName(AssigneeType::kUnknown), "Unknown");
}

TEST(ModelNames, FactKindNamesAreStable) {
  EXPECT_STREQ(FactKindName(FactKind::kTenant), "tenant");
  EXPECT_STREQ(FactKindName(FactKind::kPrincipal), "principal");
  EXPECT_STREQ(FactKindName(FactKind::kGroupMembership), "groupMembership");
  EXPECT_STREQ(FactKindName(FactKind::kSubscription), "subscription");
  EXPECT_STREQ(FactKindName(FactKind::kManagementGroup), "managementGroup");
  EXPECT_STREQ(FactKindName(FactKind::kCustomRole), "customRole");
  EXPECT_STREQ(FactKindName(FactKind::kRoleAssignment), "roleAssignment");
  EXPECT_STREQ(FactKindName(FactKind::kLighthouseAuthorization), "lighthouseAuthorization");
  EXPECT_STREQ(FactKindName(FactKind::kPartner), "partner");
  EXPECT_STREQ(FactKindName(FactKind::kPartnerLink), "partnerLink");
}

const std::string kTenant = "11111111-1111-1111-1111-111111111111";
const std::string kObject = "22222222-2222-2222-2222-222222222222";
const std::string kGroup = "33333333-3333-3333-3333-333333333333";
const std::string kRole = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

struct KeyCase {
  FactValue value;
  FactKind kind;
  std::string key;
  std::string tenant;
};

TEST(FactKey, ExactFormatPerKind) {
  LighthouseAuthorization permanent{"cust", "/subscriptions/S/providers/Microsoft.ManagedServices/"
                                    "registrationAssignments/AB", "/subscriptions/S", "managing", kObject, "Ops", kRole,
                                    false};
  LighthouseAuthorization eligible = permanent;
  eligible.eligible = true;
  const KeyCase cases[] = {
      {Tenant{kTenant, "Contoso", "contoso.com"}, FactKind::kTenant, kTenant, kTenant},
      {Principal{.tenant_id = kTenant, .object_id = kObject}, FactKind::kPrincipal, kObject, kTenant},
      {GroupMembership{kTenant, kGroup, kObject}, FactKind::kGroupMembership, kGroup + "/" + kObject, kTenant},
      {SubscriptionPlacement{"44444444-4444-4444-4444-444444444444", kTenant, "Prod", kTenant},
       FactKind::kSubscription, "44444444-4444-4444-4444-444444444444", kTenant},
      {ManagementGroup{kTenant, "Contoso-Prod", "Prod", kTenant}, FactKind::kManagementGroup, "contoso-prod",
       kTenant},
      {CustomRole{kTenant, kRole, "My Role"}, FactKind::kCustomRole, kRole, kTenant},
      {RoleAssignment{.tenant_id = kTenant, .assignment_name = "AbCdEf", .scope = "/subscriptions/S", .principal_id = kObject}, FactKind::kRoleAssignment, "abcdef", kTenant},
      {permanent, FactKind::kLighthouseAuthorization,
       "/subscriptions/s/providers/microsoft.managedservices/registrationassignments/ab|" + kObject + "|" + kRole +
           "|permanent",
       "cust"},
      {eligible, FactKind::kLighthouseAuthorization,
       "/subscriptions/s/providers/microsoft.managedservices/registrationassignments/ab|" + kObject + "|" + kRole +
           "|eligible",
       "cust"},
      {Partner{.partner_id = "4100001", .partner_name = "Fabrikam"}, FactKind::kPartner, "4100001", ""},
      {PartnerLink{.tenant_id = kTenant, .object_id = kObject, .partner_id = "4100001"}, FactKind::kPartnerLink, kObject, kTenant},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(FactKindName(c.kind));
    EXPECT_EQ(KindOf(c.value), c.kind);
    EXPECT_EQ(FactKey(c.value), c.key);
    EXPECT_EQ(FactTenant(c.value), c.tenant);
  }
}

TEST(FactKey, SameThingSameKeyWhateverTheOtherFields) {
  // A principal disabled later is the same principal: same key, different value.
  Principal enabled{.tenant_id = kTenant, .object_id = kObject, .kind = PrincipalKind::kUser, .user_type = UserType::kMember};
  Principal disabled = enabled;
  disabled.enabled = false;
  EXPECT_EQ(FactKey(enabled), FactKey(disabled));
  EXPECT_FALSE(enabled == disabled);
  // Management group names differ only in case: one group.
  EXPECT_EQ(FactKey(ManagementGroup{.tenant_id = kTenant, .group_id = "PROD"}), FactKey(ManagementGroup{.tenant_id = kTenant, .group_id = "prod"}));
}

TEST(FactTenant, PartnerDirectoryHasNoTenantAndTheReferenceIsStable) {
  const FactValue a = Partner{.partner_id = "1"}, b = Partner{.partner_id = "2"};
  EXPECT_EQ(&FactTenant(a), &FactTenant(b));
  EXPECT_TRUE(FactTenant(a).empty());
}

}  // namespace
}  // namespace openpal
