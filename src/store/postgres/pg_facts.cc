// Fact <-> row mapping for PostgreSQL. Enums are stored by the same stable names as in SQLite; an unknown name read
// back (a newer binary's value) falls to the type's catch-all, as there.
#include "store/postgres/pg_facts.h"

#include <array>
#include <type_traits>

#include "core/guid.h"
#include "store/sqlite/fact_codec.h"

namespace openpal::pg {
namespace {

constexpr size_t kKinds = 10;

template <typename E, size_t N>
E Parse(const std::array<E, N>& all, const char* (*name)(E), const std::string& s) {
  for (E e : all)
    if (s == name(e)) return e;
  return all.back();  // the catch-all is listed last
}
constexpr std::array<PrincipalKind, 3> kPrincipalKinds = {PrincipalKind::kServicePrincipal, PrincipalKind::kGroup,
                                                          PrincipalKind::kUser};
constexpr std::array<UserType, 3> kUserTypes = {UserType::kMember, UserType::kGuest, UserType::kUnknown};
constexpr std::array<ServicePrincipalType, 4> kSpTypes = {
    ServicePrincipalType::kApplication, ServicePrincipalType::kManagedIdentity, ServicePrincipalType::kLegacy,
    ServicePrincipalType::kOther};
constexpr std::array<AssigneeType, 6> kAssigneeTypes = {AssigneeType::kUser,         AssigneeType::kGroup,
                                                        AssigneeType::kServicePrincipal, AssigneeType::kForeignGroup,
                                                        AssigneeType::kDevice,       AssigneeType::kUnknown};
const char* LevelName(PartnerLevel l) { return l == PartnerLevel::kGlobal ? "global" : "location"; }
const char* StateName(PartnerState s) { return s == PartnerState::kDeleted ? "deleted" : "active"; }
const char* SourceName(LinkSource s) { return s == LinkSource::kImport ? "import" : "api"; }

}  // namespace

const std::string& InsertColumns(FactKind kind) {
  static const std::array<std::string, kKinds> kColumns = [] {
    std::array<std::string, kKinds> out;
    for (size_t i = 0; i < kKinds; ++i) out[i] = sqlite::SelectColumns(static_cast<FactKind>(i)).substr(4);  // "id, "
    return out;
  }();
  return kColumns[static_cast<size_t>(kind)];
}

const std::string& InsertSql(FactKind kind) {
  static const std::array<std::string, kKinds> kInsert = [] {
    std::array<std::string, kKinds> out;
    for (size_t i = 0; i < kKinds; ++i) {
      const std::string& cols = InsertColumns(static_cast<FactKind>(i));
      size_t n = 1;
      for (char c : cols) n += c == ',';
      std::string sql = std::string("INSERT INTO ") + sqlite::TableOf(static_cast<FactKind>(i)) + " (" + cols +
                        ") VALUES (";
      for (size_t p = 1; p <= n; ++p) sql += (p > 1 ? ", $" : "$") + std::to_string(p);
      out[i] = sql + ") RETURNING id";
    }
    return out;
  }();
  return kInsert[static_cast<size_t>(kind)];
}

Status FactRow(const FactValue& value, const Interval& valid, RowValues& out) {
  out.clear();
  auto text = [&out](std::string s) { out.emplace_back(std::move(s)); };
  auto num = [&out](int64_t i) { out.emplace_back(std::to_string(i)); };
  auto flag = [&out](bool b) { out.emplace_back(b ? "t" : "f"); };
  text(AsciiLower(FactTenant(value)));
  text(FactKey(value));
  num(valid.from.micros);
  if (valid.to == Timestamp::Max()) out.emplace_back(std::nullopt); else num(valid.to.micros);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Tenant>) {
          text(v.display_name);
          text(v.default_domain);
        } else if constexpr (std::is_same_v<T, Principal>) {
          text(AsciiLower(v.object_id));
          text(PrincipalKindName(v.kind));
          text(UserTypeName(v.user_type));
          text(ServicePrincipalTypeName(v.sp_type));
          text(v.display_name);
          text(v.sign_in_name);
          flag(v.enabled);
        } else if constexpr (std::is_same_v<T, GroupMembership>) {
          text(AsciiLower(v.group_id));
          text(AsciiLower(v.member_id));
          text(PrincipalKindName(v.member_kind));
        } else if constexpr (std::is_same_v<T, SubscriptionPlacement>) {
          text(AsciiLower(v.subscription_id));
          text(v.display_name);
          text(v.parent_group_id);
          text(AsciiLower(v.parent_group_id));
        } else if constexpr (std::is_same_v<T, ManagementGroup>) {
          text(v.group_id);
          text(AsciiLower(v.group_id));
          text(v.display_name);
          text(v.parent_group_id);
          text(AsciiLower(v.parent_group_id));
        } else if constexpr (std::is_same_v<T, CustomRole>) {
          text(AsciiLower(v.role_guid));
          text(v.role_name);
        } else if constexpr (std::is_same_v<T, RoleAssignment>) {
          std::string key = sqlite::ScopeKeyOf(v.scope);
          text(v.assignment_name);
          text(v.scope);
          text(key);
          num(sqlite::ScopeHash(AsciiLower(v.tenant_id), key));
          text(AsciiLower(v.principal_id));
          text(AssigneeTypeName(v.principal_type));
          text(AsciiLower(v.role_guid));
          text(v.role_name);
        } else if constexpr (std::is_same_v<T, LighthouseAuthorization>) {
          std::string key = sqlite::ScopeKeyOf(v.scope);
          text(v.assignment_id);
          text(v.scope);
          text(key);
          num(sqlite::ScopeHash("", key));
          text(AsciiLower(v.managing_tenant_id));
          text(AsciiLower(v.principal_id));
          text(v.principal_display_name);
          text(AsciiLower(v.role_guid));
          flag(v.eligible);
        } else if constexpr (std::is_same_v<T, Partner>) {
          text(v.partner_id);
          text(v.partner_name);
          text(LevelName(v.level));
          text(v.global_partner_id);
          text(StateName(v.state));
          text(AsciiLower(v.tenant_id));
        } else if constexpr (std::is_same_v<T, PartnerLink>) {
          text(AsciiLower(v.object_id));
          text(v.partner_id);
          text(SourceName(v.source));
          num(v.created_time.micros);
          num(v.version);
        }
      },
      value);
  for (const auto& field : out)
    if (field && field->find('\0') != std::string::npos)
      return Status::Error(StatusCode::kInvalidArgument,
                           "a text field holds a NUL byte, which a PostgreSQL store cannot keep: \"" +
                               field->substr(0, field->find('\0')) + "\\0...\"",
                           std::string(sqlite::TableOf(KindOf(value))) + " " + FactKey(value));
  return Status::Ok();
}

AnyFact ReadFact(const Rows& r, int row, FactKind kind) {
  AnyFact f;
  f.id = r.Int(row, 0);
  std::string tenant = r.Text(row, 1);
  f.valid.from = Timestamp{r.Int(row, 3)};
  f.valid.to = r.End(row, 4);
  constexpr int c = 5;  // first own column
  auto t = [&](int i) { return r.Text(row, c + i); };
  switch (kind) {
    case FactKind::kTenant:
      f.value = Tenant{tenant, t(0), t(1)};
      break;
    case FactKind::kPrincipal: {
      Principal p;
      p.tenant_id = tenant;
      p.object_id = t(0);
      p.kind = Parse(kPrincipalKinds, &PrincipalKindName, t(1));
      p.user_type = Parse(kUserTypes, &UserTypeName, t(2));
      p.sp_type = Parse(kSpTypes, &ServicePrincipalTypeName, t(3));
      p.display_name = t(4);
      p.sign_in_name = t(5);
      p.enabled = r.Bool(row, c + 6);
      f.value = std::move(p);
      break;
    }
    case FactKind::kGroupMembership:
      f.value = GroupMembership{tenant, t(0), t(1), Parse(kPrincipalKinds, &PrincipalKindName, t(2))};
      break;
    case FactKind::kSubscription:
      f.value = SubscriptionPlacement{t(0), tenant, t(1), t(2)};
      break;
    case FactKind::kManagementGroup:
      f.value = ManagementGroup{tenant, t(0), t(2), t(3)};
      break;
    case FactKind::kCustomRole:
      f.value = CustomRole{tenant, t(0), t(1)};
      break;
    case FactKind::kRoleAssignment: {
      RoleAssignment a;
      a.tenant_id = tenant;
      a.assignment_name = t(0);
      a.scope = t(1);
      a.principal_id = t(4);  // 2, 3: scope_key, scope_hash
      a.principal_type = Parse(kAssigneeTypes, &AssigneeTypeName, t(5));
      a.role_guid = t(6);
      a.role_name = t(7);
      f.value = std::move(a);
      break;
    }
    case FactKind::kLighthouseAuthorization: {
      LighthouseAuthorization l;
      l.customer_tenant_id = tenant;
      l.assignment_id = t(0);
      l.scope = t(1);
      l.managing_tenant_id = t(4);  // 2, 3: scope_key, scope_hash
      l.principal_id = t(5);
      l.principal_display_name = t(6);
      l.role_guid = t(7);
      l.eligible = r.Bool(row, c + 8);
      f.value = std::move(l);
      break;
    }
    case FactKind::kPartner: {
      Partner p;
      p.partner_id = t(0);
      p.partner_name = t(1);
      p.level = t(2) == "global" ? PartnerLevel::kGlobal : PartnerLevel::kLocation;
      p.global_partner_id = t(3);
      p.state = t(4) == "deleted" ? PartnerState::kDeleted : PartnerState::kActive;
      p.tenant_id = t(5);
      f.value = std::move(p);
      break;
    }
    case FactKind::kPartnerLink: {
      PartnerLink l;
      l.tenant_id = tenant;
      l.object_id = t(0);
      l.partner_id = t(1);
      l.source = t(2) == "import" ? LinkSource::kImport : LinkSource::kApi;
      l.created_time = Timestamp{r.Int(row, c + 3)};
      l.version = r.Int(row, c + 4);
      f.value = std::move(l);
      break;
    }
  }
  return f;
}

}  // namespace openpal::pg
