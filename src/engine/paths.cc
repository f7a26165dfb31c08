// Building candidate paths from the index: one walk of the scope chain per resource and customer tenant.
#include "engine/paths.h"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/guid.h"

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

std::vector<ChainScope> ScopeChain(const DirectoryIndex& index, const Scope& resource, std::string_view tenant) {
  std::vector<ChainScope> chain;
  chain.push_back(ChainScope{resource.key(), resource.text(), false, Always()});
  for (const Scope& ancestor : resource.LexicalAncestors())
    chain.push_back(ChainScope{ancestor.key(), ancestor.text(), false, Always()});
  auto subscription = resource.subscription_id();
  if (!subscription) return chain;
  // Management groups above the subscription in this tenant, each with when it was an ancestor.
  std::map<std::string, IntervalSet> groups;
  std::deque<std::string> queue;
  if (const auto* placements = index.Placements(AsciiLower(*subscription))) {
    for (const auto& p : *placements) {
      if (p.tenant != tenant || p.parent_group.empty()) continue;
      groups[p.parent_group].add(p.valid);
      queue.push_back(p.parent_group);
    }
  }
  while (!queue.empty()) {
    std::string group = std::move(queue.front());
    queue.pop_front();
    const auto* parents = index.GroupParents(tenant, group);
    if (!parents) continue;
    IntervalSet here = groups[group];
    for (const auto& parent : *parents) {
      if (parent.parent.empty()) continue;
      IntervalSet via = here.intersected(parent.valid);
      if (via.empty()) continue;
      auto& target = groups[parent.parent];
      if (via.minus(target).empty()) continue;  // nothing new: also what stops cycles
      target.add(via);
      queue.push_back(parent.parent);
    }
  }
  for (auto& [group, when] : groups) {
    Scope mg = Scope::ForManagementGroup(group);
    chain.push_back(ChainScope{mg.key(), mg.text(), true, std::move(when)});
  }
  chain.push_back(ChainScope{"/", "/", false, Always()});
  return chain;
}

namespace {

// The sets a linked principal's later steps intersect access with (PrincipalSteps). `key` must have links.
PrincipalSteps ComputeSteps(const DirectoryIndex& index, const std::string& key) {
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

// Paths from the grants on one scope, with every step computed (access is not yet narrowed to the chain's `when`).
// `cache` memoises the principals' steps (nullptr: a memo for this call only).
std::vector<CandidatePath> PathsOnScope(const DirectoryIndex& index, const std::string& scope_key, bool lighthouse_too,
                                        std::string_view tenant, const RolePolicy& policy, PathCache* cache) {
  std::vector<CandidatePath> paths;
  auto add_principal = [&](const CandidatePath& base, std::string_view holder_tenant, std::string_view holder,
                           const IntervalSet& access) {
    std::string holder_key = JoinKey(holder_tenant, holder);
    if (index.LinksOf(holder_key)) {
      CandidatePath path = base;
      path.principal = std::string(holder);
      path.access = access;
      paths.push_back(std::move(path));
    }
    if (const auto* members = index.LinkedMembersOf(holder_key)) {
      for (const auto& member : *members) {
        CandidatePath path = base;
        path.principal = member.object;
        path.group = std::string(holder);
        path.access = access.intersected(member.when);
        paths.push_back(std::move(path));
      }
    }
  };
  if (const auto* assignments = index.AssignmentsAt(scope_key)) {
    for (const auto& a : *assignments) {
      // ForeignGroup members live in another tenant: they never resolve here (attribution.md).
      if (a.tenant != tenant || a.principal_type == AssigneeType::kForeignGroup) continue;
      CandidatePath base;
      base.scope_text = a.scope_text;
      base.tenant = a.tenant;
      base.role_guid = a.role_guid;
      base.role_name = index.RoleName(tenant, a.role_guid, a.role_name);
      base.role_passes = policy.Passes(a.role_guid);
      add_principal(base, a.tenant, a.principal, IntervalSet(a.valid));
    }
  }
  if (lighthouse_too) {
    if (const auto* authorizations = index.LighthouseAt(scope_key)) {
      for (const auto& l : *authorizations) {
        if (l.eligible) continue;  // just-in-time authorizations are not access
        CandidatePath base;
        base.lighthouse = true;
        base.scope_text = l.scope_text;
        base.tenant = l.managing_tenant;
        base.role_guid = l.role_guid;
        base.role_name = index.RoleName(tenant, l.role_guid, "");
        base.role_passes = policy.Passes(l.role_guid);
        add_principal(base, l.managing_tenant, l.principal, IntervalSet(l.valid));
      }
    }
  }
  // Every later step is access intersected with a set that depends only on the principal (PrincipalSteps), so
  // those sets are computed once per principal and run.
  std::optional<PathCache> local;
  if (!cache) cache = &local.emplace();
  for (CandidatePath& path : paths) {
    const PrincipalSteps& steps = cache->StepsOf(index, JoinKey(path.tenant, path.principal));
    path.linked = path.access.intersected(steps.any_link);
    path.enabled = path.access.intersected(steps.enabled_linked);
    for (const auto& p : steps.partners) {
      PartnerWindow window;
      window.partner_id = p.partner_id;
      window.linked = path.access.intersected(p.linked);
      window.valid = path.access.intersected(p.valid);
      path.partners.push_back(std::move(window));
    }
  }
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

const std::vector<CandidatePath>& PathCache::On(const DirectoryIndex& index, const std::string& scope_key,
                                                bool lighthouse_too, std::string_view tenant, const RolePolicy& policy) {
  std::string key(tenant);
  key.push_back('|');
  key += scope_key;
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  return cache_.emplace(std::move(key), PathsOnScope(index, scope_key, lighthouse_too, tenant, policy, this))
      .first->second;
}

const PrincipalSteps& PathCache::StepsOf(const DirectoryIndex& index, std::string_view key) {
  auto it = steps_.find(key);
  if (it != steps_.end()) return it->second;
  std::string owned(key);
  PrincipalSteps steps = ComputeSteps(index, owned);
  return steps_.emplace(std::move(owned), std::move(steps)).first->second;
}

std::vector<CandidatePath> FindPaths(const DirectoryIndex& index, const Scope& resource, std::string_view tenant,
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

Scope EffectiveScope(const DirectoryIndex& index, const Scope& resource) {
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
void AddGrantsOnScope(const DirectoryIndex& index, const std::string& scope_key, bool lighthouse_too,
                      std::string_view tenant, const RolePolicy& policy, PathCache& cache, const IntervalSet* narrow,
                      ProfileBuilder& builder) {
  std::string holder_key, member_key;  // reused: no allocation per grant
  auto join = [](std::string& key, std::string_view tenant_lower, std::string_view object_lower) -> std::string& {
    key.assign(tenant_lower).push_back('|');
    key.append(object_lower);
    return key;
  };
  auto add_holder = [&](std::string_view holder_tenant, std::string_view holder, const Interval& valid,
                        std::string_view role_guid, std::string_view exported_name) {
    join(holder_key, holder_tenant, holder);
    const bool linked = index.LinksOf(holder_key) != nullptr;
    const auto* members = index.LinkedMembersOf(holder_key);
    if (!linked && !members) return;  // most grants: nobody linked behind them
    IntervalSet access(valid);
    if (narrow) access = access.intersected(*narrow);
    if (access.empty()) return;
    const std::string role_name = index.RoleName(tenant, role_guid, exported_name);
    const bool passes = policy.Passes(role_guid);
    if (linked) builder.Add(access, cache.StepsOf(index, holder_key), role_name, passes);
    if (members) {
      for (const auto& member : *members)
        builder.Add(access.intersected(member.when), cache.StepsOf(index, join(member_key, holder_tenant, member.object)),
                    role_name, passes);
    }
  };
  if (const auto* assignments = index.AssignmentsAt(scope_key)) {
    for (const auto& a : *assignments) {
      if (a.tenant != tenant || a.principal_type == AssigneeType::kForeignGroup) continue;
      add_holder(a.tenant, a.principal, a.valid, a.role_guid, a.role_name);
    }
  }
  if (lighthouse_too) {
    if (const auto* authorizations = index.LighthouseAt(scope_key)) {
      for (const auto& l : *authorizations) {
        if (l.eligible) continue;
        add_holder(l.managing_tenant, l.principal, l.valid, l.role_guid, "");
      }
    }
  }
}

}  // namespace

TenantProfile BuildTenantProfile(const std::vector<CandidatePath>& paths) {
  ProfileBuilder builder;
  for (const auto& path : paths) builder.Add(path);
  return builder.Finish();
}

const TenantProfile& PathCache::ProfileAt(const DirectoryIndex& index, const Scope& scope, std::string_view tenant,
                                          const RolePolicy& policy) {
  std::string key(tenant);
  key.push_back('|');
  key += scope.key();
  auto it = profiles_.find(key);
  if (it != profiles_.end()) return it->second;
  TenantProfile profile = ProfileOf(index, scope, tenant, policy, *this);
  return profiles_.emplace(std::move(key), std::move(profile)).first->second;
}

TenantProfile ProfileOf(const DirectoryIndex& index, const Scope& resource, std::string_view tenant,
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
