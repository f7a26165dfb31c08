// One descriptor per fact kind: its table, its own columns, and how its value is written and read, side by side so
// that the two cannot drift apart. Enums are stored by their stable names (readable in sqlite3 or psql); an unknown
// name read back falls to the type's catch-all member, listed last in each name table.
#include "store/fact_columns.h"

#include <array>
#include <cstdlib>
#include <utility>

#include "core/guid.h"

namespace openpal {
namespace {

// The columns every fact table starts with (SelectColumns order): id, tenant, fact_key, valid_from, valid_to.
constexpr int kOwn = 5;  // the first own column in SelectColumns

template <typename E, size_t N>
using Names = std::array<std::pair<E, const char*>, N>;

template <typename E, size_t N>
const char* NameOf(const Names<E, N>& names, E e) {
  for (const auto& [value, name] : names)
    if (value == e) return name;
  return names.back().second;
}
template <typename E, size_t N>
E ValueOf(const Names<E, N>& names, const std::string& s) {
  for (const auto& [value, name] : names)
    if (s == name) return value;
  return names.back().first;
}

constexpr Names<PrincipalKind, 3> kPrincipalKinds = {
    {{PrincipalKind::kServicePrincipal, "ServicePrincipal"}, {PrincipalKind::kGroup, "Group"},
     {PrincipalKind::kUser, "User"}}};
constexpr Names<UserType, 3> kUserTypes = {
    {{UserType::kMember, "Member"}, {UserType::kGuest, "Guest"}, {UserType::kUnknown, "Unknown"}}};
constexpr Names<ServicePrincipalType, 4> kSpTypes = {{{ServicePrincipalType::kApplication, "Application"},
                                                      {ServicePrincipalType::kManagedIdentity, "ManagedIdentity"},
                                                      {ServicePrincipalType::kLegacy, "Legacy"},
                                                      {ServicePrincipalType::kOther, "Other"}}};
constexpr Names<AssigneeType, 6> kAssigneeTypes = {{{AssigneeType::kUser, "User"},
                                                    {AssigneeType::kGroup, "Group"},
                                                    {AssigneeType::kServicePrincipal, "ServicePrincipal"},
                                                    {AssigneeType::kForeignGroup, "ForeignGroup"},
                                                    {AssigneeType::kDevice, "Device"},
                                                    {AssigneeType::kUnknown, "Unknown"}}};
constexpr Names<PartnerLevel, 2> kLevels = {{{PartnerLevel::kGlobal, "global"}, {PartnerLevel::kLocation, "location"}}};
constexpr Names<PartnerState, 2> kStates = {{{PartnerState::kDeleted, "deleted"}, {PartnerState::kActive, "active"}}};
constexpr Names<LinkSource, 2> kSources = {{{LinkSource::kImport, "import"}, {LinkSource::kApi, "api"}}};

// A row's own columns, 0-based from the first column after valid_to.
struct Own {
  const ColumnReader& r;
  std::string Text(int i) const { return r.Text(kOwn + i); }
  int64_t Int(int i) const { return r.Int(kOwn + i); }
  bool Bool(int i) const { return r.Bool(kOwn + i); }
};

struct KindCodec {
  FactKind kind;
  const char* table;
  const char* own_columns;  // in the order `write` writes them and `read` reads them
  void (*write)(const FactValue& value, ColumnWriter& w);
  FactValue (*read)(const std::string& tenant, const Own& c);
};

// Order matches the FactKind enum (checked below).
const std::array<KindCodec, kFactKinds> kCodecs = {{
    {FactKind::kTenant, "tenants", "display_name, default_domain",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<Tenant>(f);
       w.Text(v.display_name);
       w.Text(v.default_domain);
     },
     [](const std::string& tenant, const Own& c) -> FactValue { return Tenant{tenant, c.Text(0), c.Text(1)}; }},
    {FactKind::kPrincipal, "principals", "object_id, kind, user_type, sp_type, display_name, sign_in_name, enabled",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<Principal>(f);
       w.Text(AsciiLower(v.object_id));
       w.Text(NameOf(kPrincipalKinds, v.kind));
       w.Text(NameOf(kUserTypes, v.user_type));
       w.Text(NameOf(kSpTypes, v.sp_type));
       w.Text(v.display_name);
       w.Text(v.sign_in_name);
       w.Bool(v.enabled);
     },
     [](const std::string& tenant, const Own& c) -> FactValue {
       return Principal{tenant,
                        c.Text(0),
                        ValueOf(kPrincipalKinds, c.Text(1)),
                        ValueOf(kUserTypes, c.Text(2)),
                        ValueOf(kSpTypes, c.Text(3)),
                        c.Text(4),
                        c.Text(5),
                        c.Bool(6)};
     }},
    {FactKind::kGroupMembership, "group_memberships", "group_id, member_id, member_kind",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<GroupMembership>(f);
       w.Text(AsciiLower(v.group_id));
       w.Text(AsciiLower(v.member_id));
       w.Text(NameOf(kPrincipalKinds, v.member_kind));
     },
     [](const std::string& tenant, const Own& c) -> FactValue {
       return GroupMembership{tenant, c.Text(0), c.Text(1), ValueOf(kPrincipalKinds, c.Text(2))};
     }},
    {FactKind::kSubscription, "subscriptions", "subscription_id, display_name, parent_group_id, parent_group_key",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<SubscriptionPlacement>(f);
       w.Text(AsciiLower(v.subscription_id));
       w.Text(v.display_name);
       w.Text(v.parent_group_id);
       w.Text(AsciiLower(v.parent_group_id));
     },
     [](const std::string& tenant, const Own& c) -> FactValue {
       return SubscriptionPlacement{c.Text(0), tenant, c.Text(1), c.Text(2)};
     }},
    {FactKind::kManagementGroup, "management_groups",
     "group_id, group_key, display_name, parent_group_id, parent_group_key",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<ManagementGroup>(f);
       w.Text(v.group_id);
       w.Text(AsciiLower(v.group_id));
       w.Text(v.display_name);
       w.Text(v.parent_group_id);
       w.Text(AsciiLower(v.parent_group_id));
     },
     [](const std::string& tenant, const Own& c) -> FactValue {
       return ManagementGroup{tenant, c.Text(0), c.Text(2), c.Text(3)};  // 1, 4: the keys
     }},
    {FactKind::kCustomRole, "custom_roles", "role_guid, role_name",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<CustomRole>(f);
       w.Text(AsciiLower(v.role_guid));
       w.Text(v.role_name);
     },
     [](const std::string& tenant, const Own& c) -> FactValue { return CustomRole{tenant, c.Text(0), c.Text(1)}; }},
    {FactKind::kRoleAssignment, "role_assignments",
     "assignment_name, scope, scope_key, scope_hash, principal_id, principal_type, role_guid, role_name",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<RoleAssignment>(f);
       std::string key = ScopeKeyOf(v.scope);
       w.Text(v.assignment_name);
       w.Text(v.scope);
       w.Text(key);
       w.Int(ScopeHash(AsciiLower(v.tenant_id), key));
       w.Text(AsciiLower(v.principal_id));
       w.Text(NameOf(kAssigneeTypes, v.principal_type));
       w.Text(AsciiLower(v.role_guid));
       w.Text(v.role_name);
     },
     [](const std::string& tenant, const Own& c) -> FactValue {
       return RoleAssignment{tenant,    c.Text(0), c.Text(1), c.Text(4), ValueOf(kAssigneeTypes, c.Text(5)),
                             c.Text(6), c.Text(7)};  // 2, 3: scope_key, scope_hash
     }},
    {FactKind::kLighthouseAuthorization, "lighthouse_authorizations",
     "assignment_id, scope, scope_key, scope_hash, managing_tenant_id, principal_id, principal_display_name, "
     "role_guid, eligible",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<LighthouseAuthorization>(f);
       std::string key = ScopeKeyOf(v.scope);
       w.Text(v.assignment_id);
       w.Text(v.scope);
       w.Text(key);
       w.Int(ScopeHash("", key));
       w.Text(AsciiLower(v.managing_tenant_id));
       w.Text(AsciiLower(v.principal_id));
       w.Text(v.principal_display_name);
       w.Text(AsciiLower(v.role_guid));
       w.Bool(v.eligible);
     },
     [](const std::string& tenant, const Own& c) -> FactValue {
       return LighthouseAuthorization{tenant,    c.Text(0), c.Text(1), c.Text(4), c.Text(5),
                                      c.Text(6), c.Text(7), c.Bool(8)};  // 2, 3: scope_key, scope_hash
     }},
    {FactKind::kPartner, "partners", "partner_id, partner_name, level, global_partner_id, state, partner_tenant_id",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<Partner>(f);
       w.Text(v.partner_id);
       w.Text(v.partner_name);
       w.Text(NameOf(kLevels, v.level));
       w.Text(v.global_partner_id);
       w.Text(NameOf(kStates, v.state));
       w.Text(AsciiLower(v.tenant_id));
     },
     [](const std::string&, const Own& c) -> FactValue {  // the tenant column is "" (the directory's)
       return Partner{c.Text(0), c.Text(1), ValueOf(kLevels, c.Text(2)), c.Text(3), ValueOf(kStates, c.Text(4)),
                      c.Text(5)};
     }},
    {FactKind::kPartnerLink, "partner_links", "object_id, partner_id, source, created_time, version",
     [](const FactValue& f, ColumnWriter& w) {
       const auto& v = std::get<PartnerLink>(f);
       w.Text(AsciiLower(v.object_id));
       w.Text(v.partner_id);
       w.Text(NameOf(kSources, v.source));
       w.Int(v.created_time.micros);
       w.Int(v.version);
     },
     [](const std::string& tenant, const Own& c) -> FactValue {
       return PartnerLink{tenant, c.Text(0), c.Text(1), ValueOf(kSources, c.Text(2)), Timestamp{c.Int(3)}, c.Int(4)};
     }},
}};

const KindCodec& CodecOf(FactKind kind) { return kCodecs[static_cast<size_t>(kind)]; }

// Whether every descriptor sits at its kind's index (a misordered table would read one kind's rows as another's).
[[maybe_unused]] const bool kOrdered = [] {
  for (size_t i = 0; i < kCodecs.size(); ++i)
    if (static_cast<size_t>(kCodecs[i].kind) != i) std::abort();
  return true;
}();

int CountColumns(const char* list) {
  int n = 1;
  for (const char* p = list; *p; ++p) n += *p == ',';
  return n;
}

}  // namespace

const char* TableOf(FactKind kind) { return CodecOf(kind).table; }

const std::string& SelectColumns(FactKind kind) {
  static const std::array<std::string, kCodecs.size()> kSelect = [] {
    std::array<std::string, kCodecs.size()> out;
    for (size_t i = 0; i < kCodecs.size(); ++i) out[i] = std::string("id, ") + InsertColumns(kCodecs[i].kind);
    return out;
  }();
  return kSelect[static_cast<size_t>(kind)];
}

const std::string& InsertColumns(FactKind kind) {
  static const std::array<std::string, kCodecs.size()> kInsert = [] {
    std::array<std::string, kCodecs.size()> out;
    for (size_t i = 0; i < kCodecs.size(); ++i)
      out[i] = std::string("tenant, fact_key, valid_from, valid_to, ") + kCodecs[i].own_columns;
    return out;
  }();
  return kInsert[static_cast<size_t>(kind)];
}

std::string InsertStatement(FactKind kind, std::string (*placeholder)(int parameter)) {
  std::string sql = std::string("INSERT INTO ") + TableOf(kind) + " (" + InsertColumns(kind) + ") VALUES (";
  const int columns = kOwn - 1 + CountColumns(CodecOf(kind).own_columns);
  for (int p = 1; p <= columns; ++p) sql += (p > 1 ? ", " : "") + placeholder(p);
  return sql + ")";
}

void WriteFactColumns(const FactValue& value, const Interval& valid, ColumnWriter& out) {
  out.Text(AsciiLower(FactTenant(value)));
  out.Text(FactKey(value));
  out.Int(valid.from.micros);
  if (valid.to == Timestamp::Max()) out.Null(); else out.Int(valid.to.micros);
  CodecOf(KindOf(value)).write(value, out);
}

AnyFact ReadFactColumns(const ColumnReader& row, FactKind kind) {
  AnyFact f;
  f.id = row.Int(0);
  f.valid.from = Timestamp{row.Int(3)};
  f.valid.to = row.IsNull(4) ? Timestamp::Max() : Timestamp{row.Int(4)};
  f.value = CodecOf(kind).read(row.Text(1), Own{row});
  return f;
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

}  // namespace openpal
