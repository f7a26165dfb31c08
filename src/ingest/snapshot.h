// A directory snapshot read into typed, validated entries, each with its own timestamps (see docs/import.md).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/time.h"

namespace openpal::ingest {

// A principal as a Graph file shows it, with the times Graph gives.
struct PrincipalEntry {
  Principal value;
  std::optional<Timestamp> created;   // createdDateTime
  std::optional<Timestamp> deleted;   // deletedDateTime (the principal is deleted)
  std::string where;                  // "tenants/<t>/users.json: $[3]", for messages
};

// A role assignment and its createdOn.
struct RoleAssignmentEntry {
  RoleAssignment value;
  std::optional<Timestamp> created;
  std::string where;
};

// A subscription listed by a tenant's subscriptions.json (its parent group is decided at import).
struct SubscriptionEntry {
  std::string subscription_id;   // canonical GUID
  std::string display_name;
  std::string where;
};

// The management-group tree: every group with its parent, and where each listed subscription sits.
struct ManagementTree {
  std::vector<ManagementGroup> groups;                  // root first (parent "")
  std::map<std::string, std::string> subscription_parent;  // subscription GUID -> group ID
  std::string root_group_id;
};

// One entry of partnerLinks.json.
struct LinkEntry {
  PartnerLink value;                  // source = kImport, created_time = createdTime (else updatedTime, else asOf)
  bool deleted = false;               // state "Deleted"
  std::optional<Timestamp> created;   // createdTime
  std::optional<Timestamp> updated;   // updatedTime
  std::string where;
};

// Everything a snapshot says about one tenant. A kind is nullopt when its file is absent (unchanged).
struct TenantSnapshot {
  Tenant tenant;
  std::string folder;                                    // "tenants/<tenantId>"
  std::optional<std::vector<PrincipalEntry>> users;
  std::optional<std::vector<PrincipalEntry>> service_principals;
  std::optional<std::vector<PrincipalEntry>> groups;
  std::optional<std::vector<GroupMembership>> memberships;  // present exactly when groups.json is
  std::optional<std::vector<SubscriptionEntry>> subscriptions;
  std::optional<ManagementTree> management_groups;
  std::optional<std::vector<RoleAssignmentEntry>> role_assignments;
  std::optional<std::vector<CustomRole>> custom_roles;
  std::optional<std::vector<LighthouseAuthorization>> lighthouse;
  std::optional<std::vector<LinkEntry>> links;
};

// A whole snapshot folder.
struct Snapshot {
  std::string directory;
  Timestamp as_of;                                 // from --as-of, else snapshot.json's asOf
  std::optional<Timestamp> assume_since;           // from --assume-since, else snapshot.json's assumeSince
  std::optional<std::vector<Partner>> partners;    // partners.csv, when present
  std::vector<TenantSnapshot> tenants;             // ordered by tenant ID
};

}  // namespace openpal::ingest
