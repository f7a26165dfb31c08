// Fact <-> row mapping. Enums are stored as their stable names (readable in a sqlite3 session); an unknown
// name read back (a newer binary's value) falls to the type's "unknown/other" member rather than failing.
#include "store/sqlite/fact_codec.h"

#include <array>
#include <cstring>
#include <type_traits>
#include <utility>

namespace openpal::sqlite {
namespace {

struct KindTable {
  FactKind kind;
  const char* table;
  const char* own_columns;
  int own_count;
};

// Order matches the FactKind enum.
constexpr std::array<KindTable, 10> kTables = {{
    {FactKind::kTenant, "tenants", "display_name, default_domain", 2},
    {FactKind::kPrincipal, "principals", "object_id, kind, user_type, sp_type, display_name, sign_in_name, enabled",
     7},
    {FactKind::kGroupMembership, "group_memberships", "group_id, member_id, member_kind", 3},
    {FactKind::kSubscription, "subscriptions", "subscription_id, display_name, parent_group_id, parent_group_key",
     4},
    {FactKind::kManagementGroup, "management_groups",
     "group_id, group_key, display_name, parent_group_id, parent_group_key", 5},
    {FactKind::kCustomRole, "custom_roles", "role_guid, role_name", 2},
    {FactKind::kRoleAssignment, "role_assignments",
     "assignment_name, scope, scope_key, scope_hash, principal_id, principal_type, role_guid, role_name", 8},
    {FactKind::kLighthouseAuthorization, "lighthouse_authorizations",
     "assignment_id, scope, scope_key, scope_hash, managing_tenant_id, principal_id, principal_display_name, "
     "role_guid, eligible",
     9},
    {FactKind::kPartner, "partners", "partner_id, partner_name, level, global_partner_id, state, partner_tenant_id",
     6},
    {FactKind::kPartnerLink, "partner_links", "object_id, partner_id, source, created_time, version", 5},
}};

const KindTable& Info(FactKind kind) { return kTables[static_cast<size_t>(kind)]; }

template <typename E, size_t N>
const char* NameOf(const std::array<std::pair<E, const char*>, N>& names, E e) {
  for (const auto& [value, name] : names)
    if (value == e) return name;
  return names.back().second;
}
template <typename E, size_t N>
E ValueOf(const std::array<std::pair<E, const char*>, N>& names, const std::string& s) {
  for (const auto& [value, name] : names)
    if (s == name) return value;
  return names.back().first;  // the last entry of each table is the type's catch-all
}

constexpr std::array<std::pair<PrincipalKind, const char*>, 3> kPrincipalKinds = {
    {{PrincipalKind::kServicePrincipal, "ServicePrincipal"}, {PrincipalKind::kGroup, "Group"},
     {PrincipalKind::kUser, "User"}}};
constexpr std::array<std::pair<UserType, const char*>, 3> kUserTypes = {
    {{UserType::kMember, "Member"}, {UserType::kGuest, "Guest"}, {UserType::kUnknown, "Unknown"}}};
constexpr std::array<std::pair<ServicePrincipalType, const char*>, 4> kSpTypes = {
    {{ServicePrincipalType::kApplication, "Application"},
     {ServicePrincipalType::kManagedIdentity, "ManagedIdentity"},
     {ServicePrincipalType::kLegacy, "Legacy"},
     {ServicePrincipalType::kOther, "Other"}}};
constexpr std::array<std::pair<AssigneeType, const char*>, 6> kAssigneeTypes = {
    {{AssigneeType::kUser, "User"},
     {AssigneeType::kGroup, "Group"},
     {AssigneeType::kServicePrincipal, "ServicePrincipal"},
     {AssigneeType::kForeignGroup, "ForeignGroup"},
     {AssigneeType::kDevice, "Device"},
     {AssigneeType::kUnknown, "Unknown"}}};
constexpr std::array<std::pair<PartnerLevel, const char*>, 2> kLevels = {
    {{PartnerLevel::kGlobal, "global"}, {PartnerLevel::kLocation, "location"}}};
constexpr std::array<std::pair<PartnerState, const char*>, 2> kStates = {
    {{PartnerState::kDeleted, "deleted"}, {PartnerState::kActive, "active"}}};
constexpr std::array<std::pair<LinkSource, const char*>, 2> kSources = {
    {{LinkSource::kImport, "import"}, {LinkSource::kApi, "api"}}};

}  // namespace

const char* TableOf(FactKind kind) { return Info(kind).table; }

const std::string& SelectColumns(FactKind kind) {
  static const std::array<std::string, 10> kSelect = [] {
    std::array<std::string, 10> out;
    for (size_t i = 0; i < kTables.size(); ++i)
      out[i] = std::string("id, tenant, fact_key, valid_from, valid_to, ") + kTables[i].own_columns;
    return out;
  }();
  return kSelect[static_cast<size_t>(kind)];
}

const std::string& InsertSql(FactKind kind) {
  static const std::array<std::string, 10> kInsert = [] {
    std::array<std::string, 10> out;
    for (size_t i = 0; i < kTables.size(); ++i) {
      std::string sql = std::string("INSERT INTO ") + kTables[i].table + " (tenant, fact_key, valid_from, valid_to, " +
                        kTables[i].own_columns + ") VALUES (?, ?, ?, ?";
      for (int c = 0; c < kTables[i].own_count; ++c) sql += ", ?";
      out[i] = sql + ")";
    }
    return out;
  }();
  return kInsert[static_cast<size_t>(kind)];
}

std::string ScopeKeyOf(std::string_view scope) {
  while (scope.size() > 1 && scope.back() == '/') scope.remove_suffix(1);
  return AsciiLower(scope);
}

int64_t ScopeHash(std::string_view tenant, std::string_view scope_key) {
  // FNV-1a, 64 bits: stable across builds and platforms (it is stored), fast, well spread for such strings.
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char ch : s) {
      h ^= ch;
      h *= 1099511628211ULL;
    }
  };
  mix(tenant);
  mix(std::string_view("\0", 1));  // so ("ab", "c") and ("a", "bc") differ
  mix(scope_key);
  return static_cast<int64_t>(h);
}

void BindFact(Statement& st, const FactValue& value, const Interval& valid) {
  st.BindText(1, AsciiLower(FactTenant(value)));
  st.BindText(2, FactKey(value));
  st.BindInt(3, valid.from.micros);
  st.BindEnd(4, valid.to);
  // Own columns start at parameter 5, in the order of the table's own_columns.
  std::visit(
      [&st](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Tenant>) {
          st.BindText(5, v.display_name);
          st.BindText(6, v.default_domain);
        } else if constexpr (std::is_same_v<T, Principal>) {
          st.BindText(5, AsciiLower(v.object_id));
          st.BindText(6, NameOf(kPrincipalKinds, v.kind));
          st.BindText(7, NameOf(kUserTypes, v.user_type));
          st.BindText(8, NameOf(kSpTypes, v.sp_type));
          st.BindText(9, v.display_name);
          st.BindText(10, v.sign_in_name);
          st.BindInt(11, v.enabled ? 1 : 0);
        } else if constexpr (std::is_same_v<T, GroupMembership>) {
          st.BindText(5, AsciiLower(v.group_id));
          st.BindText(6, AsciiLower(v.member_id));
          st.BindText(7, NameOf(kPrincipalKinds, v.member_kind));
        } else if constexpr (std::is_same_v<T, SubscriptionPlacement>) {
          st.BindText(5, AsciiLower(v.subscription_id));
          st.BindText(6, v.display_name);
          st.BindText(7, v.parent_group_id);
          st.BindText(8, AsciiLower(v.parent_group_id));
        } else if constexpr (std::is_same_v<T, ManagementGroup>) {
          st.BindText(5, v.group_id);
          st.BindText(6, AsciiLower(v.group_id));
          st.BindText(7, v.display_name);
          st.BindText(8, v.parent_group_id);
          st.BindText(9, AsciiLower(v.parent_group_id));
        } else if constexpr (std::is_same_v<T, CustomRole>) {
          st.BindText(5, AsciiLower(v.role_guid));
          st.BindText(6, v.role_name);
        } else if constexpr (std::is_same_v<T, RoleAssignment>) {
          std::string key = ScopeKeyOf(v.scope);
          st.BindInt(8, ScopeHash(AsciiLower(v.tenant_id), key));
          st.BindText(5, v.assignment_name);
          st.BindText(6, v.scope);
          st.BindText(7, key);
          st.BindText(9, AsciiLower(v.principal_id));
          st.BindText(10, NameOf(kAssigneeTypes, v.principal_type));
          st.BindText(11, AsciiLower(v.role_guid));
          st.BindText(12, v.role_name);
        } else if constexpr (std::is_same_v<T, LighthouseAuthorization>) {
          std::string key = ScopeKeyOf(v.scope);
          st.BindInt(8, ScopeHash("", key));
          st.BindText(5, v.assignment_id);
          st.BindText(6, v.scope);
          st.BindText(7, key);
          st.BindText(9, AsciiLower(v.managing_tenant_id));
          st.BindText(10, AsciiLower(v.principal_id));
          st.BindText(11, v.principal_display_name);
          st.BindText(12, AsciiLower(v.role_guid));
          st.BindInt(13, v.eligible ? 1 : 0);
        } else if constexpr (std::is_same_v<T, Partner>) {
          st.BindText(5, v.partner_id);
          st.BindText(6, v.partner_name);
          st.BindText(7, NameOf(kLevels, v.level));
          st.BindText(8, v.global_partner_id);
          st.BindText(9, NameOf(kStates, v.state));
          st.BindText(10, AsciiLower(v.tenant_id));
        } else if constexpr (std::is_same_v<T, PartnerLink>) {
          st.BindText(5, AsciiLower(v.object_id));
          st.BindText(6, v.partner_id);
          st.BindText(7, NameOf(kSources, v.source));
          st.BindInt(8, v.created_time.micros);
          st.BindInt(9, v.version);
        }
      },
      value);
}

AnyFact ReadFact(const Statement& st, FactKind kind) {
  AnyFact f;
  f.id = st.Int(0);
  std::string tenant = st.Text(1);
  f.valid.from = Timestamp{st.Int(3)};
  f.valid.to = st.End(4);
  constexpr int c = 5;  // first own column
  switch (kind) {
    case FactKind::kTenant:
      f.value = Tenant{tenant, st.Text(c), st.Text(c + 1)};
      break;
    case FactKind::kPrincipal: {
      Principal p;
      p.tenant_id = tenant;
      p.object_id = st.Text(c);
      p.kind = ValueOf(kPrincipalKinds, st.Text(c + 1));
      p.user_type = ValueOf(kUserTypes, st.Text(c + 2));
      p.sp_type = ValueOf(kSpTypes, st.Text(c + 3));
      p.display_name = st.Text(c + 4);
      p.sign_in_name = st.Text(c + 5);
      p.enabled = st.Int(c + 6) != 0;
      f.value = std::move(p);
      break;
    }
    case FactKind::kGroupMembership:
      f.value = GroupMembership{tenant, st.Text(c), st.Text(c + 1), ValueOf(kPrincipalKinds, st.Text(c + 2))};
      break;
    case FactKind::kSubscription:
      f.value = SubscriptionPlacement{st.Text(c), tenant, st.Text(c + 1), st.Text(c + 2)};
      break;
    case FactKind::kManagementGroup:
      f.value = ManagementGroup{tenant, st.Text(c), st.Text(c + 2), st.Text(c + 3)};
      break;
    case FactKind::kCustomRole:
      f.value = CustomRole{tenant, st.Text(c), st.Text(c + 1)};
      break;
    case FactKind::kRoleAssignment: {
      RoleAssignment a;
      a.tenant_id = tenant;
      a.assignment_name = st.Text(c);
      a.scope = st.Text(c + 1);
      a.principal_id = st.Text(c + 4);  // c + 2, c + 3: scope_key, scope_hash
      a.principal_type = ValueOf(kAssigneeTypes, st.Text(c + 5));
      a.role_guid = st.Text(c + 6);
      a.role_name = st.Text(c + 7);
      f.value = std::move(a);
      break;
    }
    case FactKind::kLighthouseAuthorization: {
      LighthouseAuthorization l;
      l.customer_tenant_id = tenant;
      l.assignment_id = st.Text(c);
      l.scope = st.Text(c + 1);
      l.managing_tenant_id = st.Text(c + 4);  // c + 2, c + 3: scope_key, scope_hash
      l.principal_id = st.Text(c + 5);
      l.principal_display_name = st.Text(c + 6);
      l.role_guid = st.Text(c + 7);
      l.eligible = st.Int(c + 8) != 0;
      f.value = std::move(l);
      break;
    }
    case FactKind::kPartner: {
      Partner p;
      p.partner_id = st.Text(c);
      p.partner_name = st.Text(c + 1);
      p.level = ValueOf(kLevels, st.Text(c + 2));
      p.global_partner_id = st.Text(c + 3);
      p.state = ValueOf(kStates, st.Text(c + 4));
      p.tenant_id = st.Text(c + 5);
      f.value = std::move(p);
      break;
    }
    case FactKind::kPartnerLink: {
      PartnerLink l;
      l.tenant_id = tenant;
      l.object_id = st.Text(c);
      l.partner_id = st.Text(c + 1);
      l.source = ValueOf(kSources, st.Text(c + 2));
      l.created_time = Timestamp{st.Int(c + 3)};
      l.version = st.Int(c + 4);
      f.value = std::move(l);
      break;
    }
  }
  return f;
}

}  // namespace openpal::sqlite
