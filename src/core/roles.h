// The built-in Azure role catalogue (shipped as data), PEC eligibility, role policies and AdminType ranking.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/status.h"

namespace openpal {

// Partner-earned-credit eligibility per Microsoft's published table (docs/core.md "Roles"); unlisted = unknown.
enum class PecEligibility { kYes, kNo, kUnknown };
const char* PecEligibilityName(PecEligibility p);  // "yes", "no", "unknown"

struct BuiltInRole {
  std::string_view guid;   // canonical lowercase
  std::string_view name;   // as Azure names it today (trailing spaces trimmed)
  PecEligibility pec;
};

// The built-in role with this GUID (any case), or nullptr. The catalogue is generated at build time from
// data/builtin_roles.csv (732 roles from `az role definition list`, with the PEC column).
const BuiltInRole* FindBuiltInRole(std::string_view guid);
// Number of roles in the catalogue.
size_t BuiltInRoleCount();

// Well-known GUIDs.
inline constexpr std::string_view kOwnerRole = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
inline constexpr std::string_view kContributorRole = "b24988ac-6180-42a0-ab88-20f7382dd24c";
inline constexpr std::string_view kReaderRole = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
inline constexpr std::string_view kUserAccessAdministratorRole = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";

// Which roles may carry credit (attribution.md condition 5).
class RolePolicy {
 public:
  static RolePolicy All();   // every role passes (the default)
  static RolePolicy Pec();   // only roles whose PecEligibility is kYes
  // A file's text: one role GUID or role definition ID per line, '#' starts a comment, blank lines ignored.
  // `origin` names the file in errors ("policy.txt:3: not a role GUID: ...").
  static Result<RolePolicy> FromText(std::string_view text, std::string_view origin);

  bool Passes(std::string_view role_guid) const;
  std::string Describe() const;  // "all", "pec", or "file (N roles)"

 private:
  enum class Mode { kAll, kPec, kList } mode_ = Mode::kAll;
  std::set<std::string> roles_;
};

// AdminType order (attribution.md): Owner, Contributor, User Access Administrator, then others by name A–Z
// (case-insensitive). Returns true when role `a` (by display name) ranks above role `b`.
bool AdminTypeRanksAbove(std::string_view a_name, std::string_view b_name);

}  // namespace openpal
