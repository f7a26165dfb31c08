// Building candidate paths from the index: one walk of the scope chain per resource and customer tenant.
#include "engine/paths.h"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/guid.h"
#include "core/membership.h"

namespace openpal::engine {
namespace {

const IntervalSet& Always() {
  static const IntervalSet kAlways(Interval{Timestamp::Min(), Timestamp::Max()});
  return kAlways;
}

}  // namespace

const char* ReasonCode(Reason r) {
  switch (r) {
    case Reason::kNoScope: return "NO_SCOPE";
    case Reason::kUnknownSubscription: return "UNKNOWN_SUBSCRIPTION";
    case Reason::kNoAccess: return "NO_ACCESS";
    case Reason::kNoActiveLink: return "NO_ACTIVE_LINK";
    case Reason::kIdentityDisabled: return "IDENTITY_DISABLED";
    case Reason::kPartnerIdInvalid: return "PARTNER_ID_INVALID";
    case Reason::kRoleNotEligible: return "ROLE_NOT_ELIGIBLE";
  }
  return "?";
}

int64_t OverlapMicros(const IntervalSet& set, Timestamp start, Timestamp end) {
  const auto& parts = set.parts();
  // First part that ends after `start`.
  auto it = std::upper_bound(parts.begin(), parts.end(), start,
                             [](Timestamp t, const Interval& i) { return t < i.to; });
  int64_t total = 0;
  for (; it != parts.end() && it->from < end; ++it) {
    Timestamp from = std::max(it->from, start), to = std::min(it->to, end);
    if (from < to) total += to.micros - from.micros;
  }
  return total;
}

bool TouchesPeriod(const IntervalSet& set, Timestamp start, Timestamp end) {
  if (end <= start) return set.contains(start);
  const auto& parts = set.parts();
  auto it = std::upper_bound(parts.begin(), parts.end(), start,
                             [](Timestamp t, const Interval& i) { return t < i.to; });
  return it != parts.end() && it->from < end;
}

std::vector<ChainScope> ScopeChain(const DirectoryView& index, const Scope& resource, std::string_view tenant) {
  std::vector<ChainScope> chain;
  chain.push_back(ChainScope{resource.key(), resource.text(), false, Always()});
  for (const Scope& ancestor : resource.LexicalAncestors())
    chain.push_back(ChainScope{ancestor.key(), ancestor.text(), false, Always()});
  auto subscription = resource.subscription_id();
  if (!subscription) return chain;
  // Management groups above the subscription in this tenant, each with when it was an ancestor.
  std::map<std::string, IntervalSet> groups;
  if (const auto* placements = index.Placements(AsciiLower(*subscription))) {
    for (const auto& p : *placements)
      if (p.tenant == tenant && !p.parent_group.empty()) groups[p.parent_group].add(p.valid);
  }
  ReachOverTime(groups, [&](std::string_view group, auto&& emit) {
    if (const auto* parents = index.GroupParents(tenant, group))
      for (const auto& parent : *parents)
        if (!parent.parent.empty()) emit(parent.parent, parent.valid);
  });
  for (auto& [group, when] : groups) {
    Scope mg = Scope::ForManagementGroup(group);
    chain.push_back(ChainScope{mg.key(), mg.text(), true, std::move(when)});
  }
  chain.push_back(ChainScope{"/", "/", false, Always()});
  return chain;
}

namespace {

// The sets a linked principal's later steps intersect access with (PrincipalSteps). `key` must have links.
PrincipalSteps ComputeSteps(const DirectoryView& index, std::string_view key) {
  PrincipalSteps steps;
  std::map<std::string, IntervalSet> by_partner;
  for (const auto& link : *index.LinksOf(key)) {
    steps.any_link.add(link.valid);
    by_partner[link.partner_id].add(link.valid);
  }
  steps.enabled_linked = steps.any_link.intersected(index.EnabledOf(key));
  for (auto& [partner_id, when] : by_partner) {
    PrincipalSteps::Partner p;
    p.partner_id = partner_id;
    p.linked = steps.enabled_linked.intersected(when);
    if (const PartnerInfo* partner = index.Partner(partner_id)) p.valid = p.linked.intersected(partner->credit_valid);
    steps.partners.push_back(std::move(p));
  }
  return steps;
}

// One grant on a scope: a role assignment or a permanent Lighthouse authorization, and who holds it.
struct Grant {
  bool lighthouse = false;
  std::string_view scope_text, holder_tenant, holder, role_guid, exported_role_name;
  Interval valid;
};

// The grants on `scope_key` that resources of `tenant` inherit, and the linked principals behind each: role
// assignments of `tenant` (never to foreign groups: their members live in another tenant, attribution.md), and
// permanent Lighthouse authorizations when `lighthouse_too` (eligible ones are not access). A grant whose holder is
// neither linked nor a group with linked members makes no path and is skipped. For the others `on_grant(grant)` is
// called (false skips the grant), then `on_path(principal, linked_id, group, member_when)` for the holder itself
// if it is linked (group "", member_when nullptr) and for each linked member of it.
template <typename OnGrant, typename OnPath>
void ForEachLinkedGrant(const DirectoryView& index, const std::string& scope_key, bool lighthouse_too,
                        std::string_view tenant, OnGrant on_grant, OnPath on_path) {
  std::string holder_key;  // reused: no allocation per grant
  auto visit = [&](const Grant& grant) {
    holder_key.assign(grant.holder_tenant).push_back('|');
    holder_key.append(grant.holder);
    const Holder* holder = index.HolderOf(holder_key);
    if (!holder || !on_grant(grant)) return;  // most grants: nobody linked behind them
    if (holder->links) on_path(grant.holder, holder->linked_id, std::string_view(), nullptr);
    if (holder->members)
      for (const auto& member : *holder->members)
        on_path(std::string_view(member.object), member.linked_id, grant.holder, &member.when);
  };
  index.ForEachAssignmentAt(scope_key, [&](const AssignmentView& a) {
    if (a.tenant != tenant || a.principal_type == AssigneeType::kForeignGroup) return;
    visit(Grant{false, a.scope_text, a.tenant, a.principal, a.role_guid, a.role_name, a.valid});
  });
  if (lighthouse_too) {
    index.ForEachLighthouseAt(scope_key, [&](const LighthouseView& l) {
      if (l.eligible) return;
      visit(Grant{true, l.scope_text, l.managing_tenant, l.principal, l.role_guid, "", l.valid});
    });
  }
}

// Paths from the grants on one scope, with every step computed (access is not yet narrowed to the chain's `when`).
// `cache` memoises the principals' steps (nullptr: a memo for this call only).
std::vector<CandidatePath> PathsOnScope(const DirectoryView& index, const std::string& scope_key, bool lighthouse_too,
                                        std::string_view tenant, const RolePolicy& policy, PathCache* cache) {
  std::optional<PathCache> local;
  if (!cache) cache = &local.emplace();
  std::vector<CandidatePath> paths;
  CandidatePath base;
  ForEachLinkedGrant(
      index, scope_key, lighthouse_too, tenant,
      [&](const Grant& grant) {
        base = CandidatePath();
        base.lighthouse = grant.lighthouse;
        base.scope_text = std::string(grant.scope_text);
        base.tenant = std::string(grant.holder_tenant);
        base.role_guid = std::string(grant.role_guid);
        base.role_name = index.RoleName(tenant, grant.role_guid, grant.exported_role_name);
        base.role_passes = policy.Passes(grant.role_guid);
        base.access = IntervalSet(grant.valid);
        return true;
      },
      [&](std::string_view principal, int32_t linked_id, std::string_view group, const IntervalSet* when) {
        CandidatePath path = base;
        path.principal = std::string(principal);
        path.group = std::string(group);
        if (when) path.access = path.access.intersected(*when);
        // Every later step is access intersected with a set that depends only on the principal (PrincipalSteps),
        // computed once per principal and run.
        const PrincipalSteps& steps = cache->StepsOf(index, linked_id);
        path.linked = path.access.intersected(steps.any_link);
        path.enabled = path.access.intersected(steps.enabled_linked);
        for (const auto& p : steps.partners) {
          PartnerWindow window;
          window.partner_id = p.partner_id;
          window.linked = path.access.intersected(p.linked);
          window.valid = path.access.intersected(p.valid);
          path.partners.push_back(std::move(window));
        }
        paths.push_back(std::move(path));
      });
  return paths;
}

// Narrows every step of a path to `when` (a management group's time on the chain): each step is an intersection
// with access, so narrowing access narrows them all alike.
void Narrow(CandidatePath& path, const IntervalSet& when) {
  path.access = path.access.intersected(when);
  path.linked = path.linked.intersected(when);
  path.enabled = path.enabled.intersected(when);
  for (auto& w : path.partners) {
    w.linked = w.linked.intersected(when);
    w.valid = w.valid.intersected(when);
  }
}

}  // namespace

const std::vector<CandidatePath>& PathCache::On(const DirectoryView& index, const std::string& scope_key,
                                                bool lighthouse_too, std::string_view tenant, const RolePolicy& policy) {
  std::string key(tenant);
  key.push_back('|');
  key += scope_key;
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  return cache_.emplace(std::move(key), PathsOnScope(index, scope_key, lighthouse_too, tenant, policy, this))
      .first->second;
}

const PrincipalSteps& PathCache::StepsOf(const DirectoryView& index, int32_t linked_id) {
  if (steps_.empty()) steps_.resize(index.linked_principal_count());
  auto& steps = steps_[static_cast<size_t>(linked_id)];
  if (!steps) steps = std::make_unique<PrincipalSteps>(ComputeSteps(index, index.LinkedKey(linked_id)));
  return *steps;
}

std::vector<CandidatePath> FindPaths(const DirectoryView& index, const Scope& resource, std::string_view tenant,
                                     const RolePolicy& policy, PathCache* cache) {
  std::vector<CandidatePath> paths;
  const IntervalSet& always = Always();
  for (const ChainScope& scope : ScopeChain(index, resource, tenant)) {
    bool lighthouse_too = !scope.management_group && scope.key != "/";
    std::vector<CandidatePath> local;
    const std::vector<CandidatePath>* on_scope;
    if (cache) {
      on_scope = &cache->On(index, scope.key, lighthouse_too, tenant, policy);
    } else {
      local = PathsOnScope(index, scope.key, lighthouse_too, tenant, policy, nullptr);
      on_scope = &local;
    }
    for (const CandidatePath& path : *on_scope) {
      paths.push_back(path);
      if (!(scope.when == always)) Narrow(paths.back(), scope.when);
    }
  }
  return paths;
}

Scope EffectiveScope(const DirectoryView& index, const Scope& resource) {
  if (resource.kind() == ScopeKind::kSubscription) return resource;
  if (index.HasGrantsAt(resource.key())) return resource;
  for (const Scope& ancestor : resource.LexicalAncestors()) {
    if (ancestor.kind() == ScopeKind::kSubscription || index.HasGrantsAt(ancestor.key())) return ancestor;
  }
  return resource;
}

namespace {

// Reduces paths one at a time to a TenantProfile (so memoised paths can be read in place, never copied).
class ProfileBuilder {
 public:
  void Add(const CandidatePath& path) {
    profile_.access.add(path.access);
    profile_.linked.add(path.linked);
    profile_.enabled.add(path.enabled);
    for (const auto& window : path.partners) {
      profile_.partner_valid.add(window.valid);
      if (!path.role_passes || window.valid.empty()) continue;
      PartnerCredit& credit = CreditOf(window.partner_id);
      credit.qualifying.add(window.valid);
      AddRole(credit, path.role_name, window.valid);
    }
  }
  // A path with this `access` through a principal with these `steps`: Add() of the CandidatePath PathsOnScope would
  // make, without making it (every step is access intersected with a set of the principal's).
  void Add(const IntervalSet& access, const PrincipalSteps& steps, const std::string& role_name, bool role_passes) {
    if (access.empty()) return;  // such a path adds nothing
    profile_.access.add(access);
    profile_.linked.add(access.intersected(steps.any_link));
    profile_.enabled.add(access.intersected(steps.enabled_linked));
    for (const auto& p : steps.partners) {
      IntervalSet valid = access.intersected(p.valid);
      if (valid.empty()) continue;
      profile_.partner_valid.add(valid);
      if (!role_passes) continue;
      PartnerCredit& credit = CreditOf(p.partner_id);
      credit.qualifying.add(valid);
      AddRole(credit, role_name, valid);
    }
  }
  // Everything `profile` was built from, as if its paths were added again (profiles are unions, so this is exact).
  void Add(const TenantProfile& profile) {
    profile_.access.add(profile.access);
    profile_.linked.add(profile.linked);
    profile_.enabled.add(profile.enabled);
    profile_.partner_valid.add(profile.partner_valid);
    for (const auto& from : profile.partners) {
      PartnerCredit& credit = CreditOf(from.partner_id);
      credit.qualifying.add(from.qualifying);
      for (const auto& [name, when] : from.roles) AddRole(credit, name, when);
    }
  }
  // Partners in ID order, each one's roles best AdminType first (ties by name).
  TenantProfile Finish() {
    std::sort(credits_.begin(), credits_.end(),
              [](const PartnerCredit& a, const PartnerCredit& b) { return a.partner_id < b.partner_id; });
    for (auto& credit : credits_) {
      std::sort(credit.roles.begin(), credit.roles.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      std::stable_sort(credit.roles.begin(), credit.roles.end(),
                       [](const auto& a, const auto& b) { return AdminTypeRanksAbove(a.first, b.first); });
      profile_.partners.push_back(std::move(credit));
    }
    return std::move(profile_);
  }

 private:
  // A profile has a few partners and each a role or two: a scan beats a tree, until there are many partners.
  PartnerCredit& CreditOf(const std::string& partner_id) {
    if (credits_.size() > 16) {
      if (index_.empty())
        for (size_t i = 0; i < credits_.size(); ++i) index_.emplace(credits_[i].partner_id, i);
      auto [it, fresh] = index_.emplace(partner_id, credits_.size());
      if (!fresh) return credits_[it->second];
    } else {
      for (auto& credit : credits_)
        if (credit.partner_id == partner_id) return credit;
    }
    credits_.emplace_back();
    credits_.back().partner_id = partner_id;
    return credits_.back();
  }
  static void AddRole(PartnerCredit& credit, const std::string& name, const IntervalSet& when) {
    for (auto& [role, set] : credit.roles)
      if (role == name) return set.add(when);
    credit.roles.emplace_back(name, when);
  }

  TenantProfile profile_;
  std::vector<PartnerCredit> credits_;
  std::unordered_map<std::string, size_t> index_;  // partner ID -> place in credits_, once there are many
};

// Adds to `builder` every path granted on `scope_key` in `tenant` (access narrowed to `narrow` when given), as
// PathsOnScope would list them, without listing them: profiles need only the steps' sets, not the paths' names.
void AddGrantsOnScope(const DirectoryView& index, const std::string& scope_key, bool lighthouse_too,
                      std::string_view tenant, const RolePolicy& policy, PathCache& cache, const IntervalSet* narrow,
                      ProfileBuilder& builder) {
  IntervalSet access;
  std::string role_name;
  bool passes = false;
  ForEachLinkedGrant(
      index, scope_key, lighthouse_too, tenant,
      [&](const Grant& grant) {
        access = IntervalSet(grant.valid);
        if (narrow) access = access.intersected(*narrow);
        if (access.empty()) return false;  // such paths add nothing
        role_name = index.RoleName(tenant, grant.role_guid, grant.exported_role_name);
        passes = policy.Passes(grant.role_guid);
        return true;
      },
      [&](std::string_view, int32_t linked_id, std::string_view, const IntervalSet* when) {
        builder.Add(when ? access.intersected(*when) : access, cache.StepsOf(index, linked_id), role_name, passes);
      });
}

}  // namespace

TenantProfile BuildTenantProfile(const std::vector<CandidatePath>& paths) {
  ProfileBuilder builder;
  for (const auto& path : paths) builder.Add(path);
  return builder.Finish();
}

const TenantProfile& PathCache::ProfileAt(const DirectoryView& index, const Scope& scope, std::string_view tenant,
                                          const RolePolicy& policy) {
  std::string key(tenant);
  key.push_back('|');
  key += scope.key();
  auto it = profiles_.find(key);
  if (it != profiles_.end()) return it->second;
  TenantProfile profile = ProfileOf(index, scope, tenant, policy, *this);
  return profiles_.emplace(std::move(key), std::move(profile)).first->second;
}

TenantProfile ProfileOf(const DirectoryView& index, const Scope& resource, std::string_view tenant,
                        const RolePolicy& policy, PathCache& cache) {
  ProfileBuilder builder;
  // Below a subscription, the chain is the resource and then its parent's whole chain: the parent's profile (shared
  // by its siblings, so memoised) plus the resource's own grants. The resource's own paths are not memoised: its
  // profile is built once per run by the caller's cache.
  if (resource.kind() != ScopeKind::kSubscription && resource.subscription_id()) {
    if (auto parent = resource.Parent()) {
      builder.Add(cache.ProfileAt(index, *parent, tenant, policy));
      AddGrantsOnScope(index, resource.key(), /*lighthouse_too=*/true, tenant, policy, cache, nullptr, builder);
      return builder.Finish();
    }
  }
  const IntervalSet& always = Always();
  for (const ChainScope& scope : ScopeChain(index, resource, tenant)) {
    bool lighthouse_too = !scope.management_group && scope.key != "/";
    AddGrantsOnScope(index, scope.key, lighthouse_too, tenant, policy, cache,
                     scope.when == always ? nullptr : &scope.when, builder);
  }
  return builder.Finish();
}

}  // namespace openpal::engine
