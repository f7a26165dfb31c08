// The built-in role catalogue lookup (table generated at build time), role policies and AdminType ranking.
#include "core/roles.h"

#include <algorithm>

#include "core/guid.h"

namespace openpal {
namespace generated {
// Defined in the build-generated builtin_roles_table.cc, sorted by lowercase GUID.
extern const BuiltInRole kBuiltInRoles[];
extern const size_t kBuiltInRoleCount;
}  // namespace generated

namespace {

std::string_view TrimSpace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// 0 Owner, 1 Contributor, 2 User Access Administrator, 3 any other role.
int AdminRank(std::string_view name) {
  if (EqualsIgnoreCase(name, "Owner")) return 0;
  if (EqualsIgnoreCase(name, "Contributor")) return 1;
  if (EqualsIgnoreCase(name, "User Access Administrator")) return 2;
  return 3;
}

}  // namespace

const char* PecEligibilityName(PecEligibility p) {
  switch (p) {
    case PecEligibility::kYes: return "yes";
    case PecEligibility::kNo: return "no";
    case PecEligibility::kUnknown: return "unknown";
  }
  return "unknown";
}

const BuiltInRole* FindBuiltInRole(std::string_view guid) {
  const auto canonical = NormalizeGuid(TrimSpace(guid));
  if (!canonical) return nullptr;
  const BuiltInRole* begin = generated::kBuiltInRoles;
  const BuiltInRole* end = begin + generated::kBuiltInRoleCount;
  const BuiltInRole* it = std::lower_bound(
      begin, end, std::string_view(*canonical), [](const BuiltInRole& r, std::string_view g) { return r.guid < g; });
  return it != end && it->guid == *canonical ? it : nullptr;
}

size_t BuiltInRoleCount() { return generated::kBuiltInRoleCount; }

RolePolicy RolePolicy::All() { return RolePolicy(); }

RolePolicy RolePolicy::Pec() {
  RolePolicy p;
  p.mode_ = Mode::kPec;
  return p;
}

Result<RolePolicy> RolePolicy::FromText(std::string_view text, std::string_view origin) {
  RolePolicy p;
  p.mode_ = Mode::kList;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = TrimSpace(line);
    if (line.empty()) continue;
    auto guid = RoleGuidFromDefinitionId(line);
    if (!guid) {
      std::string shown(line.substr(0, 120));
      for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20) c = '?';
      }
      return Status::Error(StatusCode::kCorruption,
                           "not a role GUID or role definition ID: \"" + shown +
                               "\" (expected e.g. 8e3af657-a8ff-443c-a75c-2fe8c4bcb635 or "
                               "/providers/Microsoft.Authorization/roleDefinitions/{guid})",
                           std::string(origin) + ":" + std::to_string(line_no));
    }
    p.roles_.insert(std::move(*guid));
  }
  // A file naming no role would silently refuse all credit: almost certainly the wrong file.
  if (p.roles_.empty()) {
    return Status::Error(StatusCode::kCorruption, "the role policy names no role (expected one role GUID per line)",
                         std::string(origin));
  }
  return p;
}

bool RolePolicy::Passes(std::string_view role_guid) const {
  switch (mode_) {
    case Mode::kAll: return true;
    case Mode::kPec: {
      const BuiltInRole* role = FindBuiltInRole(role_guid);
      return role != nullptr && role->pec == PecEligibility::kYes;
    }
    case Mode::kList: {
      const auto guid = RoleGuidFromDefinitionId(TrimSpace(role_guid));
      return guid && roles_.count(*guid) > 0;
    }
  }
  return false;
}

std::string RolePolicy::Describe() const {
  switch (mode_) {
    case Mode::kAll: return "all";
    case Mode::kPec: return "pec";
    case Mode::kList: return "file (" + std::to_string(roles_.size()) + " roles)";
  }
  return "unknown";
}

bool AdminTypeRanksAbove(std::string_view a_name, std::string_view b_name) {
  const int ra = AdminRank(a_name), rb = AdminRank(b_name);
  if (ra != rb) return ra < rb;
  if (ra < 3) return false;
  return AsciiLower(a_name) < AsciiLower(b_name);
}

}  // namespace openpal
