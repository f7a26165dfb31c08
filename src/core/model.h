// The directory's plain types: tenants, principals, groups, subscriptions, management groups, roles,
// role assignments, Lighthouse authorizations, the partner directory and partner links. No I/O.
// Every one of them is a *fact*: a value that holds over an Interval (see Fact<T> below).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/interval.h"

namespace openpal {

// GUIDs are kept as canonical lowercase strings (see guid.h): simple, debuggable, and what the store keys on.
using TenantId = std::string;
using ObjectId = std::string;

struct Tenant {
  TenantId tenant_id;
  std::string display_name;
  std::string default_domain;
  friend bool operator==(const Tenant&, const Tenant&) = default;
};

enum class PrincipalKind { kUser, kServicePrincipal, kGroup };
enum class UserType { kMember, kGuest, kUnknown };  // kUnknown: Graph's null userType on very old objects
enum class ServicePrincipalType { kApplication, kManagedIdentity, kLegacy, kOther };

const char* PrincipalKindName(PrincipalKind k);            // "User", "ServicePrincipal", "Group"
const char* UserTypeName(UserType t);                      // "Member", "Guest", "Unknown"
const char* ServicePrincipalTypeName(ServicePrincipalType t);

// A user, service principal or group of one tenant, with its state. A change of `enabled` (or of the
// descriptive fields) ends one fact and starts another; deletion ends the last one.
struct Principal {
  TenantId tenant_id;
  ObjectId object_id;
  PrincipalKind kind = PrincipalKind::kUser;
  UserType user_type = UserType::kUnknown;                        // users only
  ServicePrincipalType sp_type = ServicePrincipalType::kOther;    // service principals only
  std::string display_name;
  std::string sign_in_name;  // userPrincipalName for users, appId for service principals, "" for groups
  bool enabled = true;       // accountEnabled (absent = true)
  friend bool operator==(const Principal&, const Principal&) = default;
};

// A direct member of a group (user, service principal or group) in one tenant.
struct GroupMembership {
  TenantId tenant_id;
  ObjectId group_id;
  ObjectId member_id;
  PrincipalKind member_kind = PrincipalKind::kUser;
  friend bool operator==(const GroupMembership&, const GroupMembership&) = default;
};

// A subscription held by a tenant, placed under a management group (the tenant root group when unplaced).
struct SubscriptionPlacement {
  std::string subscription_id;   // canonical GUID
  TenantId tenant_id;
  std::string display_name;
  std::string parent_group_id;   // management group ID (the root group's ID is normally the tenant ID)
  friend bool operator==(const SubscriptionPlacement&, const SubscriptionPlacement&) = default;
};

// A management group and its parent ("" for the tenant root group).
struct ManagementGroup {
  TenantId tenant_id;
  std::string group_id;          // the `name` in ARM (as written; compared case-insensitively)
  std::string display_name;
  std::string parent_group_id;   // "" at the root
  friend bool operator==(const ManagementGroup&, const ManagementGroup&) = default;
};

// A custom role definition of a tenant (built-in ones ship with openpal: see roles.h).
struct CustomRole {
  TenantId tenant_id;
  std::string role_guid;
  std::string role_name;
  friend bool operator==(const CustomRole&, const CustomRole&) = default;
};

enum class AssigneeType { kUser, kGroup, kServicePrincipal, kForeignGroup, kDevice, kUnknown };
const char* AssigneeTypeName(AssigneeType t);

// An Azure RBAC role assignment in a tenant. `assignment_name` is its identity; a change of scope,
// principal or role under the same name is a different fact.
struct RoleAssignment {
  TenantId tenant_id;
  std::string assignment_name;      // the `name` GUID (or the id when no name is given)
  std::string scope;                // as written; parse with Scope::Parse
  ObjectId principal_id;
  AssigneeType principal_type = AssigneeType::kUnknown;
  std::string role_guid;            // canonical GUID
  std::string role_name;            // roleDefinitionName as exported ("" if absent)
  friend bool operator==(const RoleAssignment&, const RoleAssignment&) = default;
};

// One authorization of an Azure Lighthouse registration assignment: on `scope` (a subscription or
// resource group of `customer_tenant_id`), principal `principal_id` of `managing_tenant_id` holds `role_guid`.
// Eligible (just-in-time) authorizations are kept too, marked, but never count as access.
struct LighthouseAuthorization {
  TenantId customer_tenant_id;      // the tenant whose file listed it
  std::string assignment_id;        // the registration assignment's id (full ARM ID, as written)
  std::string scope;                // the delegated scope: the prefix of assignment_id before /providers/Microsoft.ManagedServices
  TenantId managing_tenant_id;      // managedByTenantId
  ObjectId principal_id;
  std::string principal_display_name;
  std::string role_guid;
  bool eligible = false;            // from eligibleAuthorizations[]
  friend bool operator==(const LighthouseAuthorization&, const LighthouseAuthorization&) = default;
};

enum class PartnerLevel { kGlobal, kLocation };
enum class PartnerState { kActive, kDeleted };

// A row of the partner directory (partners.csv).
struct Partner {
  std::string partner_id;           // digits
  std::string partner_name;
  PartnerLevel level = PartnerLevel::kLocation;
  std::string global_partner_id;    // the PGA of a location ID ("" for a global one)
  PartnerState state = PartnerState::kActive;
  TenantId tenant_id;               // the partner organisation's own tenant ("" if unknown)
  friend bool operator==(const Partner&, const Partner&) = default;
};

enum class LinkSource { kApi, kImport };

// A PAL link: principal (tenant, object) → partner ID. One per principal at a time.
struct PartnerLink {
  TenantId tenant_id;
  ObjectId object_id;
  std::string partner_id;
  LinkSource source = LinkSource::kApi;
  Timestamp created_time;           // when the link (as the API shows it) was created; kept across PATCH
  int64_t version = 0;              // the API's per-principal counter at the change that opened this fact
  friend bool operator==(const PartnerLink&, const PartnerLink&) = default;
};

// The kinds of fact. Not one per file: users.json, servicePrincipals.json and groups.json all give principals
// (see SnapshotFile for the unit the history rules observe).
enum class FactKind {
  kTenant,
  kPrincipal,
  kGroupMembership,
  kSubscription,
  kManagementGroup,
  kCustomRole,
  kRoleAssignment,
  kLighthouseAuthorization,
  kPartner,
  kPartnerLink,
};
const char* FactKindName(FactKind k);   // "principal", "roleAssignment", ... (stable: used in the store and output)

// The files of a snapshot (docs/spec-snapshot-format.md "Layout"): the "kind" of the history rules. The
// previous observation of a fact is the previous snapshot in which its tenant's file of this kind was present.
enum class SnapshotFile {
  kTenant,                   // tenant.json
  kUsers,                    // users.json
  kServicePrincipals,        // servicePrincipals.json
  kGroups,                   // groups.json (groups and their memberships)
  kSubscriptions,            // subscriptions.json
  kManagementGroups,         // managementGroups.json
  kRoleAssignments,          // roleAssignments.json
  kRoleDefinitions,          // roleDefinitions.json
  kRegistrationAssignments,  // registrationAssignments.json
  kPartnerLinks,             // partnerLinks.json
  kPartners,                 // partners.csv (tenant "")
};
const char* SnapshotFileName(SnapshotFile f);  // "users.json", ... (stable: stored in the observations table)

using FactValue = std::variant<Tenant, Principal, GroupMembership, SubscriptionPlacement, ManagementGroup,
                               CustomRole, RoleAssignment, LighthouseAuthorization, Partner, PartnerLink>;

FactKind KindOf(const FactValue& v);

// The identity of a fact within its kind and tenant: two facts with the same key describe the same thing
// (a principal's object ID, an assignment's name, a membership's group+member, ...). Values with the same
// key but different fields are successive states of it. Lowercase; stable (stored).
std::string FactKey(const FactValue& v);

// The tenant a fact belongs to ("" for the partner directory).
const TenantId& FactTenant(const FactValue& v);

// A value and when it held. `id` is the store's identifier (0 before it is stored).
template <typename T>
struct Fact {
  int64_t id = 0;
  T value;
  Interval valid;
};

using AnyFact = Fact<FactValue>;

}  // namespace openpal
