// Indexing the fact history: by scope key, principal key and subscription, plus linked members of every group.
#include "engine/directory_index.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "core/guid.h"
#include "core/membership.h"
#include "core/roles.h"
#include "core/scope.h"

namespace openpal::engine {
namespace {

std::string ScopeKeyOf(const std::string& text) {
  auto parsed = Scope::Parse(text);
  if (parsed.ok()) return parsed->key();
  // An unparseable scope can still match itself; keep its lowercase text without a trailing "/".
  std::string key = AsciiLower(text);
  while (key.size() > 1 && key.back() == '/') key.pop_back();
  return key;
}


}  // namespace

std::string PrincipalKey(std::string_view tenant, std::string_view object) {
  std::string key = AsciiLower(tenant);
  key.push_back('|');
  key += AsciiLower(object);
  return key;
}

Result<std::unique_ptr<DirectoryIndex>> DirectoryIndex::Load(Store& store) {
  std::unique_ptr<DirectoryIndex> index(new DirectoryIndex());
  const Interval all{Timestamp::Min(), Timestamp::Max()};
  // A pipeline over two cores: one thread reads the facts from the store in batches while this one indexes them as
  // they arrive (reading and indexing cost about the same; one after the other they took twice as long). Once it has
  // read everything, the reading thread indexes too. Add() of different kinds touches different maps, so the two
  // take batches of different kinds; batches of one kind are indexed in order, one at a time.
  struct Batch {
    FactKind kind;
    std::vector<AnyFact> facts;
  };
  std::mutex mu;
  std::condition_variable ready;
  std::deque<Batch> queue;
  bool done = false;
  std::optional<FactKind> busy[2];  // the kind each thread is indexing
  Status read_status;
  // Indexes batches as thread `me` until nothing is left to read or index; `wait` says whether to wait for more.
  auto index_batches = [&](int me, bool wait) {
    for (;;) {
      Batch batch;
      {
        std::unique_lock<std::mutex> lock(mu);
        auto next = queue.end();
        ready.wait(lock, [&] {
          next = std::find_if(queue.begin(), queue.end(), [&](const Batch& b) { return b.kind != busy[1 - me]; });
          return next != queue.end() || (done && queue.empty()) || !wait;
        });
        if (next == queue.end()) {
          if (!wait || queue.empty()) return;
          continue;
        }
        batch = std::move(*next);
        queue.erase(next);
        busy[me] = batch.kind;
      }
      for (auto& fact : batch.facts) index->Add(fact);  // takes the facts' strings: they are not used again
      std::lock_guard<std::mutex> lock(mu);
      busy[me].reset();
      ready.notify_all();
    }
  };
  std::thread reader([&]() {
    for (FactKind kind : {FactKind::kRoleAssignment, FactKind::kPrincipal, FactKind::kGroupMembership,
                          FactKind::kSubscription, FactKind::kManagementGroup, FactKind::kCustomRole,
                          FactKind::kLighthouseAuthorization, FactKind::kPartner, FactKind::kPartnerLink}) {
      Status s = store.ScanFacts(kind, all, [&](std::vector<AnyFact>& facts) {
        std::lock_guard<std::mutex> lock(mu);
        queue.push_back(Batch{kind, std::exchange(facts, {})});
        ready.notify_all();
        return Status::Ok();
      });
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        read_status = s.WithContext(std::string("loading ") + FactKindName(kind) + " facts");
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      done = true;
      ready.notify_all();
    }
    index_batches(1, /*wait=*/false);
  });
  index_batches(0, /*wait=*/true);
  reader.join();
  if (!read_status.ok()) return read_status;
  index->Finish();
  return index;
}

std::unique_ptr<DirectoryIndex> DirectoryIndex::Build(const std::vector<AnyFact>& facts) {
  std::unique_ptr<DirectoryIndex> index(new DirectoryIndex());
  for (const auto& fact : facts) {
    AnyFact copy = fact;
    index->Add(copy);
  }
  index->Finish();
  return index;
}

void DirectoryIndex::Add(AnyFact& fact) {
  if (fact.valid.empty()) return;
  const Interval& valid = fact.valid;
  std::visit(
      [&](auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Principal>) {
          auto& set = enabled_[PrincipalKey(v.tenant_id, v.object_id)];
          if (v.enabled) set.add(valid);
        } else if constexpr (std::is_same_v<T, GroupMembership>) {
          member_of_[PrincipalKey(v.tenant_id, v.member_id)].emplace_back(PrincipalKey(v.tenant_id, v.group_id), valid);
        } else if constexpr (std::is_same_v<T, SubscriptionPlacement>) {
          placements_[AsciiLower(v.subscription_id)].push_back(
              Placement{valid, AsciiLower(v.tenant_id), AsciiLower(v.parent_group_id)});
        } else if constexpr (std::is_same_v<T, ManagementGroup>) {
          group_parents_[PrincipalKey(v.tenant_id, v.group_id)].push_back(GroupParent{valid, AsciiLower(v.parent_group_id)});
        } else if constexpr (std::is_same_v<T, CustomRole>) {
          auto& slot = custom_roles_[PrincipalKey(v.tenant_id, v.role_guid)];
          if (slot.second.empty() || valid.from >= slot.first) slot = {valid.from, v.role_name};
        } else if constexpr (std::is_same_v<T, RoleAssignment>) {
          // Many assignments share a scope: its text is parsed once (per load) and maps straight to its list.
          std::vector<AssignmentEntry>* list;
          const uint64_t hash = HashBytes(v.scope);
          if (auto* const* found = assignments_by_text_.Find(v.scope, hash)) {
            list = *found;
          } else {
            list = &assignments_[ScopeKeyOf(v.scope)];
            assignments_by_text_.Insert(v.scope, list);
          }
          list->push_back(AssignmentEntry{AsciiLower(std::move(v.tenant_id)), AsciiLower(std::move(v.principal_id)),
                                                  v.principal_type, AsciiLower(std::move(v.role_guid)),
                                                  std::move(v.role_name), std::move(v.scope), valid});
        } else if constexpr (std::is_same_v<T, LighthouseAuthorization>) {
          lighthouse_[ScopeKeyOf(v.scope)].push_back(LighthouseEntry{AsciiLower(v.customer_tenant_id),
                                                                     AsciiLower(v.managing_tenant_id),
                                                                     AsciiLower(v.principal_id), AsciiLower(v.role_guid),
                                                                     v.scope, v.eligible, valid});
        } else if constexpr (std::is_same_v<T, openpal::Partner>) {
          auto& info = partners_[v.partner_id];
          info.known.add(valid);
          if (v.level == PartnerLevel::kLocation && v.state == PartnerState::kActive) info.credit_valid.add(valid);
          if (v.level == PartnerLevel::kGlobal) info.ever_global = true;
          if (v.state == PartnerState::kDeleted) info.ever_deleted = true;
          if (info.newest_name.empty() || valid.from >= info.newest_from) {
            info.newest_name = v.partner_name;
            info.newest_from = valid.from;
          }
        } else if constexpr (std::is_same_v<T, PartnerLink>) {
          links_[PrincipalKey(v.tenant_id, v.object_id)].push_back(TimedPartnerLink{valid, v.partner_id});
        }
      },
      fact.value);
}

void DirectoryIndex::Finish() {
  assignments_by_text_ = {};  // only needed while loading
  for (const auto& [key, list] : assignments_)
    if (!granted_scopes_.Find(key)) granted_scopes_.Insert(key, true);
  for (const auto& [key, list] : lighthouse_)
    if (!granted_scopes_.Find(key)) granted_scopes_.Insert(key, true);
  // Linked principals numbered, in a fixed order (by key) so that runs over the same facts number them alike.
  linked_keys_.reserve(links_.size());
  for (const auto& [principal_key, links] : links_) linked_keys_.push_back(&principal_key);
  std::sort(linked_keys_.begin(), linked_keys_.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  // For every principal that ever had a link, walk up its (nested) groups, carrying when each step holds.
  for (size_t id = 0; id < linked_keys_.size(); ++id) {
    const std::string& principal_key = *linked_keys_[id];
    auto direct = member_of_.find(principal_key);
    if (direct == member_of_.end()) continue;
    StringMap<IntervalSet> reach;
    for (const auto& [group, when] : direct->second) reach[group].add(when);
    ReachOverTime(reach, [this](std::string_view group, auto&& emit) {
      auto up = member_of_.find(group);
      if (up == member_of_.end()) return;
      for (const auto& [parent, when] : up->second) emit(parent, when);
    });
    std::string_view object = std::string_view(principal_key).substr(principal_key.find('|') + 1);
    for (auto& [group, when] : reach)
      linked_members_[group].push_back(LinkedMember{std::string(object), std::move(when), static_cast<int32_t>(id)});
  }
  // Members in a fixed order too (the walk above met groups in hash order).
  for (auto& [group, members] : linked_members_)
    std::sort(members.begin(), members.end(), [](const LinkedMember& a, const LinkedMember& b) { return a.linked_id < b.linked_id; });
  for (size_t id = 0; id < linked_keys_.size(); ++id) {
    const std::string& key = *linked_keys_[id];
    holders_.Insert(key, Holder{&links_.find(key)->second, LinkedMembersOf(key), static_cast<int32_t>(id)});
  }
  for (const auto& [group, members] : linked_members_)
    if (!links_.count(group)) holders_.Insert(group, Holder{nullptr, &members, -1});
}

const std::vector<Placement>* DirectoryIndex::Placements(std::string_view subscription_lower) const {
  auto it = placements_.find(subscription_lower);
  return it == placements_.end() ? nullptr : &it->second;
}
const std::vector<GroupParent>* DirectoryIndex::GroupParents(std::string_view tenant, std::string_view group_lower) const {
  auto it = group_parents_.find(PrincipalKey(tenant, group_lower));
  return it == group_parents_.end() ? nullptr : &it->second;
}
void DirectoryIndex::ForEachAssignmentAt(std::string_view scope_key,
                                         FunctionRef<void(const AssignmentView&)> visit) const {
  auto it = assignments_.find(scope_key);
  if (it == assignments_.end()) return;
  for (const AssignmentEntry& a : it->second)
    visit(AssignmentView{a.tenant, a.principal, a.principal_type, a.role_guid, a.role_name, a.scope_text, a.valid});
}
void DirectoryIndex::ForEachLighthouseAt(std::string_view scope_key,
                                         FunctionRef<void(const LighthouseView&)> visit) const {
  auto it = lighthouse_.find(scope_key);
  if (it == lighthouse_.end()) return;
  for (const LighthouseEntry& l : it->second)
    visit(LighthouseView{l.customer_tenant, l.managing_tenant, l.principal, l.role_guid, l.scope_text, l.eligible,
                         l.valid});
}
const std::vector<TimedPartnerLink>* DirectoryIndex::LinksOf(std::string_view principal_key) const {
  auto it = links_.find(principal_key);
  return it == links_.end() ? nullptr : &it->second;
}
const IntervalSet& DirectoryIndex::EnabledOf(std::string_view principal_key) const {
  static const IntervalSet kNever;
  auto it = enabled_.find(principal_key);
  return it == enabled_.end() ? kNever : it->second;
}
bool DirectoryIndex::PrincipalKnown(std::string_view principal_key) const {
  return enabled_.find(principal_key) != enabled_.end();
}
const std::vector<LinkedMember>* DirectoryIndex::LinkedMembersOf(std::string_view group_key) const {
  auto it = linked_members_.find(group_key);
  return it == linked_members_.end() ? nullptr : &it->second;
}
const PartnerInfo* DirectoryIndex::Partner(std::string_view partner_id) const {
  auto it = partners_.find(partner_id);
  return it == partners_.end() ? nullptr : &it->second;
}

std::string DirectoryIndex::RoleName(std::string_view tenant, std::string_view role_guid,
                                     std::string_view exported) const {
  if (const BuiltInRole* role = FindBuiltInRole(role_guid)) return std::string(role->name);
  auto it = custom_roles_.find(PrincipalKey(tenant, role_guid));
  if (it != custom_roles_.end() && !it->second.second.empty()) return it->second.second;
  if (!exported.empty()) return std::string(exported);
  return std::string(role_guid);
}

}  // namespace openpal::engine
