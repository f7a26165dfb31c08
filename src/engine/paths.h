// Candidate paths from a partner to a resource (attribution.md "When a partner is credited"), and each step's
// qualifying instants: access, then an active link, then an enabled principal, then a valid partner ID, then the role.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/interval.h"
#include "core/roles.h"
#include "core/scope.h"
#include "engine/directory_index.h"

namespace openpal::engine {

// The scopes a resource inherits roles from in one tenant, each with when it is on the chain
// (lexical ancestors always; management groups while the tree places the subscription under them; "/").
struct ChainScope {
  std::string key;
  std::string text;
  bool management_group = false;
  IntervalSet when;
};
std::vector<ChainScope> ScopeChain(const DirectoryView& index, const Scope& resource, std::string_view tenant);

struct PartnerWindow {
  std::string partner_id;
  IntervalSet linked;     // when O's link named this partner, within the path's `enabled` set
  IntervalSet valid;      // ... and the partner was a location-level, active directory entry (condition 2)
};

// One way a linked principal O (of tenant X) holds a role on the resource.
struct CandidatePath {
  bool lighthouse = false;
  std::string scope_text;   // where the role is granted
  std::string tenant;       // X: the principal's tenant (the customer's, or the managing tenant for Lighthouse)
  std::string principal;    // O
  std::string group;        // the group of X naming O transitively ("" when the role names O itself)
  std::string role_guid;
  std::string role_name;    // the AdminType name
  bool role_passes = true;  // condition 5
  IntervalSet access;       // condition 4 (with group membership and management-group placement)
  IntervalSet linked;       // access ∩ O had an active link (condition 1, any partner)
  IntervalSet enabled;      // linked ∩ O existed and was enabled (condition 3)
  std::vector<PartnerWindow> partners;  // per partner ID O linked to
};

// What crediting needs of one resource in one customer tenant: the steps' unions and each partner's qualifying set.
struct PartnerCredit {
  std::string partner_id;
  IntervalSet qualifying;
  // Roles through which the partner qualifies, best AdminType first, each with when.
  std::vector<std::pair<std::string, IntervalSet>> roles;
};
struct TenantProfile {
  IntervalSet access, linked, enabled, partner_valid;
  std::vector<PartnerCredit> partners;
};
// Every path to `resource` in the customer tenant `tenant`: direct role assignments of `tenant` on the chain and
// permanent Lighthouse authorizations on the lexical chain. Only principals that ever had a link make paths; paths
// whose access never held are kept (explain shows them).
// Paths granted on one scope key, per tenant, memoised: subscriptions and management groups are shared by many
// resources, so their paths are built once per run.
// What the steps after access need of one principal, whatever the access: when it had any link, when it had a link
// and was enabled, and per partner ID when it was linked to it (and enabled), and when that partner also counted.
struct PrincipalSteps {
  IntervalSet any_link, enabled_linked;
  struct Partner {
    std::string partner_id;
    IntervalSet linked, valid;
  };
  std::vector<Partner> partners;  // by partner ID
};

// Memoised paths and profiles of one explain or crediting pass. Not thread-safe: one thread owns it (no locks).
// Lifetime: the references it returns live as long as the cache; every call must pass the same DirectoryView,
// which must outlive the cache.
class PathCache {
 public:
  // The steps of the linked principal `linked_id` (DirectoryView::LinkedKey); memoised.
  const PrincipalSteps& StepsOf(const DirectoryView& index, int32_t linked_id);
  const std::vector<CandidatePath>& On(const DirectoryView& index, const std::string& scope_key, bool lighthouse_too,
                                       std::string_view tenant, const RolePolicy& policy);
  // The profile of `scope` in `tenant` (ProfileOf), memoised: the parents of resources are shared by many of them.
  const TenantProfile& ProfileAt(const DirectoryView& index, const Scope& scope, std::string_view tenant,
                                 const RolePolicy& policy);

 private:
  StringMap<std::vector<CandidatePath>> cache_;
  StringMap<TenantProfile> profiles_;
  std::vector<std::unique_ptr<PrincipalSteps>> steps_;  // by linked id
};

std::vector<CandidatePath> FindPaths(const DirectoryView& index, const Scope& resource, std::string_view tenant,
                                     const RolePolicy& policy, PathCache* cache = nullptr);

// The nearest scope of `resource`'s lexical chain (itself, its parents, its resource group) that has role
// assignments or Lighthouse authorizations of its own, else its subscription: every resource below it has the
// same paths, so they share one crediting profile.
Scope EffectiveScope(const DirectoryView& index, const Scope& resource);

TenantProfile BuildTenantProfile(const std::vector<CandidatePath>& paths);
// BuildTenantProfile(FindPaths(index, resource, tenant, policy, &cache)), reading the memoised paths in place.
TenantProfile ProfileOf(const DirectoryView& index, const Scope& resource, std::string_view tenant,
                        const RolePolicy& policy, PathCache& cache);

// The reason codes, in the order they are checked.
enum class Reason { kNoScope, kUnknownSubscription, kNoAccess, kNoActiveLink, kIdentityDisabled, kPartnerIdInvalid,
                    kRoleNotEligible };
const char* ReasonCode(Reason r);

// True when `set` holds at some instant of [start, end), or at `start` for an empty period.
bool TouchesPeriod(const IntervalSet& set, Timestamp start, Timestamp end);
// Microseconds of [start, end) covered by `set`.
int64_t OverlapMicros(const IntervalSet& set, Timestamp start, Timestamp end);

}  // namespace openpal::engine
