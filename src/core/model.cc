// Names of the directory's enums, and the identity (kind, key, tenant) of every fact the store keeps.
#include "core/model.h"

#include <type_traits>

#include "core/guid.h"

namespace openpal {

const char* PrincipalKindName(PrincipalKind k) {
  switch (k) {
    case PrincipalKind::kUser: return "User";
    case PrincipalKind::kServicePrincipal: return "ServicePrincipal";
    case PrincipalKind::kGroup: return "Group";
  }
  return "Unknown";
}

const char* UserTypeName(UserType t) {
  switch (t) {
    case UserType::kMember: return "Member";
    case UserType::kGuest: return "Guest";
    case UserType::kUnknown: return "Unknown";
  }
  return "Unknown";
}

const char* ServicePrincipalTypeName(ServicePrincipalType t) {
  // Graph's servicePrincipalType values.
  switch (t) {
    case ServicePrincipalType::kApplication: return "Application";
    case ServicePrincipalType::kManagedIdentity: return "ManagedIdentity";
    case ServicePrincipalType::kLegacy: return "Legacy";
    case ServicePrincipalType::kOther: return "Other";
  }
  return "Other";
}

const char* AssigneeTypeName(AssigneeType t) {
  // The principalType values of `az role assignment list`.
  switch (t) {
    case AssigneeType::kUser: return "User";
    case AssigneeType::kGroup: return "Group";
    case AssigneeType::kServicePrincipal: return "ServicePrincipal";
    case AssigneeType::kForeignGroup: return "ForeignGroup";
    case AssigneeType::kDevice: return "Device";
    case AssigneeType::kUnknown: return "Unknown";
  }
  return "Unknown";
}

const char* FactKindName(FactKind k) {
  // Stable: stored in the database and printed; never rename.
  switch (k) {
    case FactKind::kTenant: return "tenant";
    case FactKind::kPrincipal: return "principal";
    case FactKind::kGroupMembership: return "groupMembership";
    case FactKind::kSubscription: return "subscription";
    case FactKind::kManagementGroup: return "managementGroup";
    case FactKind::kCustomRole: return "customRole";
    case FactKind::kRoleAssignment: return "roleAssignment";
    case FactKind::kLighthouseAuthorization: return "lighthouseAuthorization";
    case FactKind::kPartner: return "partner";
    case FactKind::kPartnerLink: return "partnerLink";
  }
  return "unknown";
}

const char* SnapshotFileName(SnapshotFile f) {
  // Stable: stored in the database; never rename.
  switch (f) {
    case SnapshotFile::kTenant: return "tenant.json";
    case SnapshotFile::kUsers: return "users.json";
    case SnapshotFile::kServicePrincipals: return "servicePrincipals.json";
    case SnapshotFile::kGroups: return "groups.json";
    case SnapshotFile::kSubscriptions: return "subscriptions.json";
    case SnapshotFile::kManagementGroups: return "managementGroups.json";
    case SnapshotFile::kRoleAssignments: return "roleAssignments.json";
    case SnapshotFile::kRoleDefinitions: return "roleDefinitions.json";
    case SnapshotFile::kRegistrationAssignments: return "registrationAssignments.json";
    case SnapshotFile::kPartnerLinks: return "partnerLinks.json";
    case SnapshotFile::kPartners: return "partners.csv";
  }
  return "unknown";
}

FactKind KindOf(const FactValue& v) {
  // FactValue's alternatives are declared in FactKind's order.
  static_assert(std::is_same_v<std::variant_alternative_t<0, FactValue>, Tenant>);
  static_assert(std::is_same_v<std::variant_alternative_t<9, FactValue>, PartnerLink>);
  static_assert(std::variant_size_v<FactValue> == 10);
  return static_cast<FactKind>(v.index());
}

std::string FactKey(const FactValue& v) {
  // The whole key is lowercased: GUIDs are canonical already, and names (management groups, assignment
  // names, assignment IDs) are compared case-insensitively by Azure, so one thing always has one key.
  struct KeyOf {
    std::string operator()(const Tenant& x) const { return x.tenant_id; }
    std::string operator()(const Principal& x) const { return x.object_id; }
    std::string operator()(const GroupMembership& x) const { return x.group_id + "/" + x.member_id; }
    std::string operator()(const SubscriptionPlacement& x) const { return x.subscription_id; }
    std::string operator()(const ManagementGroup& x) const { return x.group_id; }
    std::string operator()(const CustomRole& x) const { return x.role_guid; }
    std::string operator()(const RoleAssignment& x) const { return x.assignment_name; }
    std::string operator()(const LighthouseAuthorization& x) const {
      return x.assignment_id + "|" + x.principal_id + "|" + x.role_guid + "|" + (x.eligible ? "eligible" : "permanent");
    }
    std::string operator()(const Partner& x) const { return x.partner_id; }
    std::string operator()(const PartnerLink& x) const { return x.object_id; }
  };
  return AsciiLower(std::visit(KeyOf{}, v));
}

namespace {
const TenantId kNoTenant;  // the partner directory belongs to no tenant

struct TenantOf {
  const TenantId& operator()(const Partner&) const { return kNoTenant; }
  const TenantId& operator()(const LighthouseAuthorization& x) const { return x.customer_tenant_id; }
  template <typename T>
  const TenantId& operator()(const T& x) const { return x.tenant_id; }
};
}  // namespace

const TenantId& FactTenant(const FactValue& v) { return std::visit(TenantOf{}, v); }

}  // namespace openpal
