// The per-tenant file readers: field names and shapes as Graph, az and ARM write them (docs/import.md).
#include "ingest/tenant_files.h"

#include <array>

#include "core/guid.h"
#include "core/quote.h"
#include "core/scope.h"
#include "ingest/entry_fields.h"

namespace openpal::ingest {
namespace {

using simdjson::ondemand::value;

// The position of `needle` in `haystack`, ignoring ASCII case; npos if absent.
size_t FindIgnoreCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return std::string_view::npos;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i)
    if (EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) return i;
  return std::string_view::npos;
}

const char* EntryStart(value& v) {
  const char* at = LocationOf(v);
  return at;
}

// ---- Graph principals ----

enum PrincipalField { kId, kDisplayName, kUpn, kUserType, kEnabled, kCreated, kDeleted, kAppId, kSpType };
constexpr std::array<FieldSpec, 9> kPrincipalSpecs = {{{"id"},
                                                       {"displayName"},
                                                       {"userPrincipalName"},
                                                       {"userType"},
                                                       {"accountEnabled", FieldType::kBool},
                                                       {"createdDateTime"},
                                                       {"deletedDateTime"},
                                                       {"appId"},
                                                       {"servicePrincipalType"}}};

Result<PrincipalKind> MemberKind(const EntryCheck& check, const FieldSlot& slot, std::string_view field) {
  if (!slot.text) return check.Error(StatusCode::kCorruption, "missing required field '@odata.type'", &slot, field);
  std::string_view t = *slot.text;
  if (EqualsIgnoreCase(t, "#microsoft.graph.user")) return PrincipalKind::kUser;
  if (EqualsIgnoreCase(t, "#microsoft.graph.servicePrincipal")) return PrincipalKind::kServicePrincipal;
  if (EqualsIgnoreCase(t, "#microsoft.graph.group")) return PrincipalKind::kGroup;
  return check.Error(StatusCode::kCorruption,
                     "unknown principal type " + QuoteValue(t) +
                         " (expected #microsoft.graph.user, #microsoft.graph.servicePrincipal or #microsoft.graph.group; "
                         "#microsoft.graph.device and #microsoft.graph.orgContact are skipped)",
                     &slot, field);
}

bool SkippedMemberType(const FieldSlot& slot) {
  return slot.text && (EqualsIgnoreCase(*slot.text, "#microsoft.graph.device") ||
                       EqualsIgnoreCase(*slot.text, "#microsoft.graph.orgContact"));
}

}  // namespace

Status ReadPrincipals(JsonFile& file, const TenantId& tenant, PrincipalKind kind, std::vector<PrincipalEntry>& out,
                      std::vector<GroupMembership>* memberships, const ProgressFn& progress) {
  std::vector<FieldSlot> slots;
  return file.ForEachEntry(
      [&](value& entry, const std::string& path) -> Status {
        slots.assign(kPrincipalSpecs.size(), FieldSlot{});
        const char* entry_at = EntryStart(entry);
        EntryCheck check(file, path, entry_at);
        // Members are read after the group's id is known, so they are buffered (id, type, where) first.
        struct RawMember {
          FieldSlot id, type;
          std::string path;
        };
        std::vector<RawMember> raw_members;
        NestedFieldFn nested = nullptr;
        if (kind == PrincipalKind::kGroup) {
          nested = [&](std::string_view key, value& v, const std::string& entry_path) -> Status {
            if (key != "members") return Status::Ok();
            return ReadArray(file, v, entry_path + ".members", [&](value& m, const std::string& mpath) -> Status {
              static constexpr std::array<FieldSpec, 2> kMemberSpecs = {{{"id"}, {"@odata.type"}}};
              std::vector<FieldSlot> ms;
              if (Status s = ReadObject(file, m, mpath, kMemberSpecs, ms); !s.ok()) return s;
              raw_members.push_back({ms[0], ms[1], mpath});
              return Status::Ok();
            });
          };
        }
        if (Status s = ReadObject(file, entry, path, kPrincipalSpecs, slots, nested); !s.ok()) return s;

        PrincipalEntry p;
        p.where = check.Where();
        p.value.tenant_id = tenant;
        p.value.kind = kind;
        auto id = check.RequiredGuid(slots[kId], "id");
        if (!id.ok()) return id.status();
        p.value.object_id = *id;
        p.value.display_name = EntryCheck::TextOr(slots[kDisplayName]);
        p.value.enabled = slots[kEnabled].flag.value_or(true);  // absent = enabled (Graph returns it only on $select)
        if (kind == PrincipalKind::kUser) {
          p.value.sign_in_name = EntryCheck::TextOr(slots[kUpn]);
          if (!slots[kUserType].text) {
            p.value.user_type = UserType::kUnknown;
          } else if (EqualsIgnoreCase(*slots[kUserType].text, "Member")) {
            p.value.user_type = UserType::kMember;
          } else if (EqualsIgnoreCase(*slots[kUserType].text, "Guest")) {
            p.value.user_type = UserType::kGuest;
          } else {
            return check.Error(StatusCode::kCorruption,
                               "unknown userType " + QuoteValue(*slots[kUserType].text) + " (expected Member or Guest)",
                               &slots[kUserType], "userType");
          }
        } else if (kind == PrincipalKind::kServicePrincipal) {
          p.value.sign_in_name = EntryCheck::TextOr(slots[kAppId]);
          std::string_view t = slots[kSpType].text.value_or("");
          p.value.sp_type = EqualsIgnoreCase(t, "Application")       ? ServicePrincipalType::kApplication
                            : EqualsIgnoreCase(t, "ManagedIdentity") ? ServicePrincipalType::kManagedIdentity
                            : EqualsIgnoreCase(t, "Legacy")          ? ServicePrincipalType::kLegacy
                                                                     : ServicePrincipalType::kOther;
        }
        auto created = check.OptionalTime(slots[kCreated], "createdDateTime");
        if (!created.ok()) return created.status();
        p.created = *created;
        auto deleted = check.OptionalTime(slots[kDeleted], "deletedDateTime");
        if (!deleted.ok()) return deleted.status();
        p.deleted = *deleted;

        for (const RawMember& m : raw_members) {
          if (SkippedMemberType(m.type)) continue;
          EntryCheck mcheck(file, m.path, nullptr);
          auto member_kind = MemberKind(mcheck, m.type, "@odata.type");
          if (!member_kind.ok()) return member_kind.status();
          auto member_id = mcheck.RequiredGuid(m.id, "id");
          if (!member_id.ok()) return member_id.status();
          memberships->push_back(GroupMembership{tenant, p.value.object_id, *member_id, *member_kind});
        }
        out.push_back(std::move(p));
        return Status::Ok();
      },
      false, progress);
}

Status ReadSubscriptions(JsonFile& file, const TenantId& tenant, std::vector<SubscriptionEntry>& out) {
  static constexpr std::array<FieldSpec, 4> kSpecs = {{{"id"}, {"name"}, {"tenantId"}, {"subscriptionId"}}};
  std::vector<FieldSlot> slots;
  return file.ForEachEntry([&](value& entry, const std::string& path) -> Status {
    slots.assign(kSpecs.size(), FieldSlot{});
    EntryCheck check(file, path, EntryStart(entry));
    if (Status s = ReadObject(file, entry, path, kSpecs, slots); !s.ok()) return s;
    auto owner = check.OptionalGuid(slots[2], "tenantId");
    if (!owner.ok()) return owner.status();
    if (owner->has_value() && **owner != tenant) return Status::Ok();  // another tenant's (Lighthouse view): not ours
    // az account list writes the bare GUID in `id`; ARM writes /subscriptions/{guid} and a subscriptionId field.
    FieldSlot id = slots[3].present ? slots[3] : slots[0];
    std::string_view field = slots[3].present ? "subscriptionId" : "id";
    if (id.text && FindIgnoreCase(*id.text, "/subscriptions/") == 0) id.text = id.text->substr(15);
    auto guid = check.RequiredGuid(id, field);
    if (!guid.ok()) return guid.status();
    out.push_back(SubscriptionEntry{*guid, EntryCheck::TextOr(slots[1]), check.Where()});
    return Status::Ok();
  });
}

namespace {

// How many levels the tree may have. Azure allows six below the root group; the bound keeps the recursion below
// (one call per level) far from the end of the stack whatever the file holds.
constexpr int kMaxTreeDepth = 64;

// Reads one node of the management-group tree (a group or a subscription) under `parent` ("" for the root), at
// `depth` (the root is 0).
Status ReadTreeNode(JsonFile& file, const TenantId& tenant, value& node, const std::string& path,
                    const std::string& parent, ManagementTree& out, int depth) {
  static constexpr std::array<FieldSpec, 4> kSpecs = {{{"id"}, {"name"}, {"type"}, {"displayName"}}};
  std::vector<FieldSlot> slots;
  const char* at = EntryStart(node);
  EntryCheck check(file, path, at);
  if (depth > kMaxTreeDepth)
    return check.Error(StatusCode::kCorruption,
                       "the management-group tree is deeper than " + std::to_string(kMaxTreeDepth) +
                           " levels (Azure allows 6 below the root group)",
                       nullptr, "");
  // JSON objects have no field order, so `children` may come before `name`, and On-Demand reads forward only:
  // children are read with a placeholder parent, replaced by this group's name once it is known.
  ManagementTree children;
  const std::string kPending = "\x01pending";
  NestedFieldFn nested = [&](std::string_view key, value& v, const std::string& entry_path) -> Status {
    if (key == "properties") {  // the ARM REST shape keeps displayName and children under properties
      return ReadObject(file, v, entry_path + ".properties", kSpecs, slots,
                        [&](std::string_view k, value& cv, const std::string& p) -> Status {
                          if (k != "children") return Status::Ok();
                          return ReadArray(file, cv, p + ".children", [&](value& c, const std::string& cp) {
                            return ReadTreeNode(file, tenant, c, cp, kPending, children, depth + 1);
                          });
                        });
    }
    if (key != "children") return Status::Ok();
    return ReadArray(file, v, entry_path + ".children", [&](value& c, const std::string& cp) {
      return ReadTreeNode(file, tenant, c, cp, kPending, children, depth + 1);
    });
  };
  if (Status s = ReadObject(file, node, path, kSpecs, slots, nested); !s.ok()) return s;

  std::string_view type = slots[2].text.value_or("");
  bool is_subscription = type.ends_with("subscriptions") || type.ends_with("Subscriptions");
  bool is_group = FindIgnoreCase(type, "managementGroups") != std::string_view::npos;
  if (!slots[2].text) return check.Error(StatusCode::kCorruption, "missing required field 'type'", &slots[2], "type");
  if (!is_subscription && !is_group)
    return check.Error(StatusCode::kCorruption,
                       "unknown node type " + QuoteValue(type) +
                           " (expected Microsoft.Management/managementGroups or /subscriptions)",
                       &slots[2], "type");
  // The name; for a subscription it may be missing while the id (/subscriptions/{guid}) has it.
  FieldSlot name = slots[1];
  if (!name.text && slots[0].text) {
    std::string_view id = *slots[0].text;
    size_t slash = id.find_last_of('/');
    name.text = slash == std::string_view::npos ? id : id.substr(slash + 1);
    name.at = slots[0].at;
  }
  if (is_subscription) {
    if (parent.empty()) return check.Error(StatusCode::kCorruption, "the tree's root must be a management group", &slots[2], "type");
    auto guid = check.RequiredGuid(name, "name");
    if (!guid.ok()) return guid.status();
    out.subscription_parent[*guid] = parent;
    return Status::Ok();
  }
  auto group_id = check.RequiredText(name, "name");
  if (!group_id.ok()) return group_id.status();
  out.groups.push_back(ManagementGroup{tenant, *group_id, EntryCheck::TextOr(slots[3]), parent});
  if (parent.empty()) out.root_group_id = *group_id;
  // Children were read with a placeholder parent: it is this group.
  for (ManagementGroup& g : children.groups) {
    if (g.parent_group_id == kPending) g.parent_group_id = *group_id;
    out.groups.push_back(std::move(g));
  }
  for (auto& [sub, p] : children.subscription_parent) out.subscription_parent[sub] = p == kPending ? *group_id : p;
  return Status::Ok();
}

}  // namespace

Status ReadManagementTree(JsonFile& file, const TenantId& tenant, ManagementTree& out) {
  int roots = 0;
  Status s = file.ForEachEntry(
      [&](value& node, const std::string& path) -> Status {
        if (++roots > 1)
          return file.Error(StatusCode::kCorruption, "expected one tenant root group, found several", EntryStart(node), path);
        return ReadTreeNode(file, tenant, node, path, "", out, 0);
      },
      /*single_object_ok=*/true);
  if (!s.ok()) return s;
  if (roots == 0) return file.Error(StatusCode::kCorruption, "expected the tenant root group, found no entry", nullptr, "$");
  return Status::Ok();
}

namespace {
enum AssignmentField { kAId, kAName, kAPrincipal, kAPrincipalType, kARoleDef, kARoleName, kAScope, kACreated };
constexpr std::array<FieldSpec, 8> kAssignmentSpecs = {{{"id"},
                                                        {"name"},
                                                        {"principalId"},
                                                        {"principalType"},
                                                        {"roleDefinitionId"},
                                                        {"roleDefinitionName"},
                                                        {"scope"},
                                                        {"createdOn"}}};

Result<AssigneeType> ParseAssigneeType(const EntryCheck& check, const FieldSlot& slot) {
  if (!slot.text || slot.text->empty())
    return check.Error(StatusCode::kCorruption, "missing required field 'principalType'", &slot, "principalType");
  std::string_view t = *slot.text;
  if (EqualsIgnoreCase(t, "User")) return AssigneeType::kUser;
  if (EqualsIgnoreCase(t, "Group")) return AssigneeType::kGroup;
  if (EqualsIgnoreCase(t, "ServicePrincipal")) return AssigneeType::kServicePrincipal;
  if (EqualsIgnoreCase(t, "ForeignGroup")) return AssigneeType::kForeignGroup;
  if (EqualsIgnoreCase(t, "Device")) return AssigneeType::kDevice;
  return check.Error(StatusCode::kCorruption,
                     "unknown principal type " + QuoteValue(t) +
                         " (expected User, Group, ServicePrincipal, ForeignGroup or Device)",
                     &slot, "principalType");
}
}  // namespace

Status ReadRoleAssignments(JsonFile& file, const TenantId& tenant, std::vector<RoleAssignmentEntry>& out,
                           const ProgressFn& progress) {
  std::vector<FieldSlot> slots;
  std::string properties_path;
  NestedFieldFn nested = [&](std::string_view key, value& v, const std::string& entry_path) -> Status {
    if (key != "properties") return Status::Ok();
    return ReadObject(file, v, entry_path + ".properties", kAssignmentSpecs, slots);
  };
  return file.ForEachEntry(
      [&](value& entry, const std::string& path) -> Status {
        slots.assign(kAssignmentSpecs.size(), FieldSlot{});
        EntryCheck check(file, path, EntryStart(entry));
        if (Status s = ReadObject(file, entry, path, kAssignmentSpecs, slots, nested); !s.ok()) return s;
        RoleAssignmentEntry a;
        a.where = check.Where();
        a.value.tenant_id = tenant;
        // The scope: as given, else the assignment id without its /providers/Microsoft.Authorization/... tail.
        FieldSlot scope_slot = slots[kAScope];
        std::string_view scope_field = "scope";
        if (!scope_slot.text && slots[kAId].text) {
          size_t tail = FindIgnoreCase(*slots[kAId].text, "/providers/Microsoft.Authorization/roleAssignments/");
          if (tail != std::string_view::npos) {
            scope_slot = slots[kAId];
            scope_slot.text = tail == 0 ? std::string_view("/") : slots[kAId].text->substr(0, tail);
            scope_field = "id";
          }
        }
        if (!scope_slot.text || scope_slot.text->empty())
          return check.Error(StatusCode::kCorruption, "missing required field 'scope'", &slots[kAScope], "scope");
        auto scope = Scope::Parse(*scope_slot.text);
        if (!scope.ok()) return check.Error(StatusCode::kCorruption, scope.status().message(), &scope_slot, scope_field);
        a.value.scope = scope->text();
        // The name is the assignment's identity; without one, its id is.
        if (slots[kAName].text && !slots[kAName].text->empty()) {
          auto guid = NormalizeGuid(*slots[kAName].text);
          a.value.assignment_name = guid ? *guid : std::string(*slots[kAName].text);
        } else if (slots[kAId].text && !slots[kAId].text->empty()) {
          a.value.assignment_name = std::string(*slots[kAId].text);
        } else {
          return check.Error(StatusCode::kCorruption, "missing required field 'name' (or 'id')", &slots[kAName], "name");
        }
        auto principal = check.RequiredGuid(slots[kAPrincipal], "principalId");
        if (!principal.ok()) return principal.status();
        a.value.principal_id = *principal;
        auto type = ParseAssigneeType(check, slots[kAPrincipalType]);
        if (!type.ok()) return type.status();
        a.value.principal_type = *type;
        if (!slots[kARoleDef].text || slots[kARoleDef].text->empty())
          return check.Error(StatusCode::kCorruption, "missing required field 'roleDefinitionId'", &slots[kARoleDef],
                             "roleDefinitionId");
        auto role = RoleGuidFromDefinitionId(*slots[kARoleDef].text);
        if (!role)
          return check.Error(StatusCode::kCorruption,
                             "not a role definition ID (a GUID or a path ending in one): " +
                                 QuoteValue(*slots[kARoleDef].text),
                             &slots[kARoleDef], "roleDefinitionId");
        a.value.role_guid = *role;
        a.value.role_name = EntryCheck::TextOr(slots[kARoleName]);
        auto created = check.OptionalTime(slots[kACreated], "createdOn");
        if (!created.ok()) return created.status();
        a.created = *created;
        out.push_back(std::move(a));
        return Status::Ok();
      },
      false, progress);
}

Status ReadCustomRoles(JsonFile& file, const TenantId& tenant, std::vector<CustomRole>& out) {
  static constexpr std::array<FieldSpec, 3> kSpecs = {{{"name"}, {"roleName"}, {"roleType"}}};
  std::vector<FieldSlot> slots;
  NestedFieldFn nested = [&](std::string_view key, value& v, const std::string& entry_path) -> Status {
    if (key != "properties") return Status::Ok();
    return ReadObject(file, v, entry_path + ".properties", kSpecs, slots);
  };
  return file.ForEachEntry([&](value& entry, const std::string& path) -> Status {
    slots.assign(kSpecs.size(), FieldSlot{});
    EntryCheck check(file, path, EntryStart(entry));
    if (Status s = ReadObject(file, entry, path, kSpecs, slots, nested); !s.ok()) return s;
    if (slots[2].text && EqualsIgnoreCase(*slots[2].text, "BuiltInRole")) return Status::Ok();
    auto guid = check.RequiredGuid(slots[0], "name");
    if (!guid.ok()) return guid.status();
    auto role_name = check.RequiredText(slots[1], "roleName");
    if (!role_name.ok()) return role_name.status();
    out.push_back(CustomRole{tenant, *guid, *role_name});
    return Status::Ok();
  });
}

Status ReadRegistrationAssignments(JsonFile& file, const TenantId& tenant, std::vector<LighthouseAuthorization>& out) {
  static constexpr std::array<FieldSpec, 1> kIdSpec = {{{"id"}}};
  static constexpr std::array<FieldSpec, 1> kManagedBy = {{{"managedByTenantId"}}};
  static constexpr std::array<FieldSpec, 3> kAuthSpecs = {
      {{"principalId"}, {"principalIdDisplayName"}, {"roleDefinitionId"}}};
  static constexpr std::array<FieldSpec, 0> kNone = {};
  struct RawAuth {
    std::vector<FieldSlot> slots;
    std::string path;
    bool eligible;
  };
  return file.ForEachEntry([&](value& entry, const std::string& path) -> Status {
    std::vector<FieldSlot> id_slot, managed_slot, none;
    std::vector<RawAuth> auths;
    std::string definition_path = path + ".properties.registrationDefinition.properties";
    EntryCheck check(file, path, EntryStart(entry));
    // Walks id, properties.registrationDefinition.properties.{managedByTenantId, authorizations, eligibleAuthorizations}.
    auto read_definition_properties = [&](std::string_view key, value& v, const std::string& p) -> Status {
      if (key != "authorizations" && key != "eligibleAuthorizations") return Status::Ok();
      bool eligible = key == "eligibleAuthorizations";
      std::string list_path = p + "." + std::string(key);
      return ReadArray(file, v, list_path, [&](value& a, const std::string& ap) -> Status {
        RawAuth raw{{}, ap, eligible};
        if (Status s = ReadObject(file, a, ap, kAuthSpecs, raw.slots); !s.ok()) return s;
        auths.push_back(std::move(raw));
        return Status::Ok();
      });
    };
    auto read_definition = [&](std::string_view key, value& v, const std::string& p) -> Status {
      if (key != "properties") return Status::Ok();
      return ReadObject(file, v, p + ".properties", kManagedBy, managed_slot, read_definition_properties);
    };
    auto read_properties = [&](std::string_view key, value& v, const std::string& p) -> Status {
      if (key != "registrationDefinition") return Status::Ok();
      return ReadObject(file, v, p + ".registrationDefinition", kNone, none, read_definition);
    };
    auto read_entry = [&](std::string_view key, value& v, const std::string& p) -> Status {
      if (key != "properties") return Status::Ok();
      return ReadObject(file, v, p + ".properties", kNone, none, read_properties);
    };
    managed_slot.resize(kManagedBy.size());
    if (Status s = ReadObject(file, entry, path, kIdSpec, id_slot, read_entry); !s.ok()) return s;
    auto id = check.RequiredText(id_slot[0], "id");
    if (!id.ok()) return id.status();
    size_t tail = FindIgnoreCase(*id, "/providers/Microsoft.ManagedServices/");
    if (tail == std::string::npos || tail == 0)
      return check.Error(StatusCode::kCorruption,
                         "expected a registration assignment ID ({scope}/providers/Microsoft.ManagedServices/"
                         "registrationAssignments/{guid}): " + QuoteValue(*id),
                         &id_slot[0], "id");
    auto scope = Scope::Parse(std::string_view(*id).substr(0, tail));
    if (!scope.ok()) return check.Error(StatusCode::kCorruption, scope.status().message(), &id_slot[0], "id");
    if (scope->kind() != ScopeKind::kSubscription && scope->kind() != ScopeKind::kResourceGroup)
      return check.Error(StatusCode::kCorruption,
                         "a Lighthouse delegation is on a subscription or a resource group, not " + QuoteValue(scope->text()),
                         &id_slot[0], "id");
    EntryCheck definition_check(file, definition_path, nullptr);
    auto managing = definition_check.RequiredGuid(managed_slot[0], "managedByTenantId");
    if (!managing.ok()) return managing.status();
    for (RawAuth& raw : auths) {
      EntryCheck auth_check(file, raw.path, nullptr);
      raw.slots.resize(kAuthSpecs.size());
      auto principal = auth_check.RequiredGuid(raw.slots[0], "principalId");
      if (!principal.ok()) return principal.status();
      if (!raw.slots[2].text || raw.slots[2].text->empty())
        return auth_check.Error(StatusCode::kCorruption, "missing required field 'roleDefinitionId'", &raw.slots[2],
                                "roleDefinitionId");
      auto role = RoleGuidFromDefinitionId(*raw.slots[2].text);
      if (!role)
        return auth_check.Error(StatusCode::kCorruption, "not a role GUID: " + QuoteValue(*raw.slots[2].text),
                                &raw.slots[2], "roleDefinitionId");
      out.push_back(LighthouseAuthorization{tenant, *id, scope->text(), *managing, *principal,
                                            EntryCheck::TextOr(raw.slots[1]), *role, raw.eligible});
    }
    return Status::Ok();
  });
}

Status ReadPartnerLinks(JsonFile& file, const TenantId& tenant, std::vector<LinkEntry>& out) {
  static constexpr std::array<FieldSpec, 6> kSpecs = {
      {{"objectId"}, {"tenantId"}, {"partnerId"}, {"state"}, {"createdTime"}, {"updatedTime"}}};
  std::vector<FieldSlot> slots;
  return file.ForEachEntry([&](value& entry, const std::string& path) -> Status {
    slots.assign(kSpecs.size(), FieldSlot{});
    EntryCheck check(file, path, EntryStart(entry));
    if (Status s = ReadObject(file, entry, path, kSpecs, slots); !s.ok()) return s;
    auto owner = check.OptionalGuid(slots[1], "tenantId");
    if (!owner.ok()) return owner.status();
    if (owner->has_value() && **owner != tenant) return Status::Ok();  // another tenant's link: not a fact of this one
    LinkEntry link;
    link.where = check.Where();
    auto object = check.RequiredGuid(slots[0], "objectId");
    if (!object.ok()) return object.status();
    auto partner = check.RequiredText(slots[2], "partnerId");
    if (!partner.ok()) return partner.status();
    if (partner->find_first_not_of("0123456789") != std::string::npos)
      return check.Error(StatusCode::kCorruption, "a partner ID is digits (an MPN/PartnerID), not " + QuoteValue(*partner), &slots[2],
                         "partnerId");
    std::string_view state = slots[3].text.value_or("Active");
    if (EqualsIgnoreCase(state, "Deleted")) {
      link.deleted = true;
    } else if (!EqualsIgnoreCase(state, "Active")) {
      return check.Error(StatusCode::kCorruption, "unknown state " + QuoteValue(state) + " (expected Active or Deleted)",
                         &slots[3], "state");
    }
    auto created = check.OptionalTime(slots[4], "createdTime");
    if (!created.ok()) return created.status();
    auto updated = check.OptionalTime(slots[5], "updatedTime");
    if (!updated.ok()) return updated.status();
    link.created = *created;
    link.updated = *updated;
    link.value = PartnerLink{tenant, *object, *partner, LinkSource::kImport, Timestamp{}, 0};
    out.push_back(std::move(link));
    return Status::Ok();
  });
}

}  // namespace openpal::ingest
