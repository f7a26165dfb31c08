// Readers of the per-tenant files of a snapshot (Graph and ARM shapes), each validating every field it keeps.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"
#include "ingest/json_file.h"
#include "ingest/snapshot.h"

namespace openpal::ingest {

// users.json, servicePrincipals.json or groups.json (`kind` says which); groups also yield their direct members.
Status ReadPrincipals(JsonFile& file, const TenantId& tenant, PrincipalKind kind, std::vector<PrincipalEntry>& out,
                      std::vector<GroupMembership>* memberships, const ProgressFn& progress);

// subscriptions.json: the entries of `tenant` (entries whose tenantId is another tenant are skipped).
Status ReadSubscriptions(JsonFile& file, const TenantId& tenant, std::vector<SubscriptionEntry>& out);

// managementGroups.json: the tree under the tenant root group.
Status ReadManagementTree(JsonFile& file, const TenantId& tenant, ManagementTree& out);

// roleAssignments.json (az role assignment list; the older nested "properties" shape is read too).
Status ReadRoleAssignments(JsonFile& file, const TenantId& tenant, std::vector<RoleAssignmentEntry>& out,
                           const ProgressFn& progress);

// roleDefinitions.json: custom roles (entries with roleType BuiltInRole are skipped: they ship with openpal).
Status ReadCustomRoles(JsonFile& file, const TenantId& tenant, std::vector<CustomRole>& out);

// registrationAssignments.json: one LighthouseAuthorization per authorization and eligible authorization.
Status ReadRegistrationAssignments(JsonFile& file, const TenantId& tenant, std::vector<LighthouseAuthorization>& out);

// partnerLinks.json: links of `tenant`'s principals (entries of other tenants are skipped).
Status ReadPartnerLinks(JsonFile& file, const TenantId& tenant, std::vector<LinkEntry>& out);

}  // namespace openpal::ingest
