// ImportSnapshot: each present file of each tenant becomes wanted facts with their times, then a diff
// (fact_diff.h) against what is open. Cross-tenant rules (subscription moves, Lighthouse listed twice) live here.
#include "ingest/snapshot_import.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "core/guid.h"
#include "ingest/history_rules.h"

namespace openpal::ingest {
namespace {

std::vector<const AnyFact*> Pointers(const std::vector<AnyFact>& facts) {
  std::vector<const AnyFact*> out;
  out.reserve(facts.size());
  for (const AnyFact& f : facts) out.push_back(&f);
  return out;
}

class Importer {
 public:
  Importer(ImportTransaction& tx, const Snapshot& snapshot) : tx_(tx), snap_(snapshot), writer_(tx) {}

  Status Run();
  const FactWriter& writer() const { return writer_; }
  const std::set<TenantId>& same_as_of() const { return same_as_of_; }
  bool all_repeats() const { return all_repeats_; }

 private:
  Status CheckOrder();
  Status PrepareSubscriptions();
  Status PrepareLighthouse();
  // The times of this snapshot's observation of `tenant`'s `file`: the previous observation is that of the same
  // tenant's same file (never another file of the tenant, nor the tenant's folder). Read and recorded once per
  // import, so that two fact kinds of one file (groups.json) see the same previous observation.
  Result<ObservationTimes> Observe(const TenantId& tenant, SnapshotFile file);
  Status ApplyTenant(const TenantSnapshot& t);
  Status ApplyPrincipals(const TenantSnapshot& t);
  Status ApplySubscriptions(const TenantSnapshot& t);
  Status ApplyLighthouse(const TenantSnapshot& t);
  Status ApplyLinks(const TenantSnapshot& t);
  Status ApplyPartners();
  // A kind without own timestamps, read from `file`: every fact starts at asOf (or --assume-since at the file's
  // first observation).
  template <typename T, typename Fn>
  Status ApplySimple(FactKind kind, SnapshotFile file, const TenantId& tenant, const std::vector<T>& items,
                     Fn to_value);

  ImportTransaction& tx_;
  const Snapshot& snap_;
  FactWriter writer_;
  std::set<TenantId> same_as_of_;  // tenants whose newest imported snapshot has this asOf
  std::map<std::pair<TenantId, SnapshotFile>, ObservationTimes> observed_;  // this import's observations
  bool all_repeats_ = true;
  // Subscriptions open anywhere (subscription ID -> fact), kept current as placements close and open.
  std::vector<AnyFact> open_subscriptions_;
  std::unordered_map<std::string, size_t> subscription_index_;
  std::unordered_map<std::string, std::string> listed_by_;  // subscription -> tenant listing it in this snapshot
  std::set<int64_t> moved_away_;  // ids of placements closed because another tenant now lists the subscription
  // Lighthouse: open facts anywhere, and which tenant's file speaks for each authorization key.
  std::vector<AnyFact> open_lighthouse_;
  std::unordered_map<std::string, TenantId> lighthouse_owner_;
  std::unordered_map<std::string, TenantId> lighthouse_holder_;  // key -> tenant holding it open before this import
};

Result<ObservationTimes> Importer::Observe(const TenantId& tenant, SnapshotFile file) {
  if (auto seen = observed_.find({tenant, file}); seen != observed_.end()) return seen->second;
  auto previous = tx_.LastObservation(tenant, file);
  if (!previous.ok()) return previous.status();
  ObservationTimes obs{snap_.as_of, *previous, std::nullopt};
  if (obs.first()) obs.assume_since = snap_.assume_since;
  // A repeat at the same asOf sees itself as the previous observation, so own timestamps never count then;
  // that is harmless because such a snapshot may not change anything (checked at the end of Run()).
  if (Status s = tx_.RecordObservation(tenant, file, snap_.as_of); !s.ok()) return s;
  observed_.emplace(std::make_pair(tenant, file), obs);
  return obs;
}

Status Importer::CheckOrder() {
  auto check = [&](const TenantId& tenant, const std::string& label) -> Status {
    auto newest = tx_.NewestSnapshot(tenant);
    if (!newest.ok()) return newest.status();
    if (!*newest || **newest < snap_.as_of) {
      all_repeats_ = false;
      return Status::Ok();
    }
    if (**newest > snap_.as_of)
      return Status::Error(StatusCode::kFailedPrecondition,
                           fmt::format("refused: asOf {} is older than the newest snapshot already imported for {} "
                                       "({}); history is not rewritten, import snapshots in order",
                                       FormatIsoTime(snap_.as_of), label, FormatIsoTime(**newest)),
                           snap_.directory);
    same_as_of_.insert(tenant);
    return Status::Ok();
  };
  for (const TenantSnapshot& t : snap_.tenants)
    if (Status s = check(t.tenant.tenant_id, "tenant " + t.tenant.tenant_id); !s.ok()) return s;
  if (snap_.partners)
    if (Status s = check("", "the partner directory (partners.csv)"); !s.ok()) return s;
  return Status::Ok();
}

Status Importer::PrepareSubscriptions() {
  // A subscription listed by two tenants of one snapshot cannot belong to both.
  std::unordered_map<std::string, std::string> where;
  for (const TenantSnapshot& t : snap_.tenants) {
    if (!t.subscriptions) continue;
    for (const SubscriptionEntry& e : *t.subscriptions) {
      auto [it, inserted] = listed_by_.emplace(e.subscription_id, t.tenant.tenant_id);
      if (inserted) {
        where[e.subscription_id] = e.where;
      } else if (it->second != t.tenant.tenant_id) {
        return Status::Error(StatusCode::kFailedPrecondition,
                             "subscription " + e.subscription_id + " is listed by two tenants in one snapshot (also at " +
                                 where[e.subscription_id] + ")",
                             snap_.directory + ": " + e.where);
      }
    }
  }
  auto open = tx_.OpenFacts(FactKind::kSubscription, std::nullopt);
  if (!open.ok()) return open.status();
  open_subscriptions_ = std::move(open).value();
  for (size_t i = 0; i < open_subscriptions_.size(); ++i)
    subscription_index_[FactKey(open_subscriptions_[i].value)] = i;
  // A subscription held by another tenant moves to the tenant listing it now, unless the holder's own
  // subscriptions.json was observed at or after this asOf (then this snapshot is the stale one).
  for (const auto& [subscription, lister] : listed_by_) {
    auto it = subscription_index_.find(subscription);
    if (it == subscription_index_.end()) continue;
    const AnyFact& held = open_subscriptions_[it->second];
    const TenantId& holder = FactTenant(held.value);
    if (holder == lister) continue;
    auto last = tx_.LastObservation(holder, SnapshotFile::kSubscriptions);
    if (!last.ok()) return last.status();
    if (*last && **last >= snap_.as_of)
      return Status::Error(StatusCode::kFailedPrecondition,
                           fmt::format("subscription {} is held by tenant {} per its subscriptions.json of {}, not "
                                       "older than this snapshot",
                                       subscription, holder, FormatIsoTime(**last)),
                           snap_.directory + ": " + where[subscription]);
    moved_away_.insert(held.id);
  }
  return Status::Ok();
}

Status Importer::PrepareLighthouse() {
  auto open = tx_.OpenFacts(FactKind::kLighthouseAuthorization, std::nullopt);
  if (!open.ok()) return open.status();
  open_lighthouse_ = std::move(open).value();
  // Who lists what in this snapshot, in tenant order.
  std::unordered_map<std::string, std::vector<TenantId>> listers;
  std::set<TenantId> present;
  for (const TenantSnapshot& t : snap_.tenants) {
    if (!t.lighthouse) continue;
    present.insert(t.tenant.tenant_id);
    for (const LighthouseAuthorization& a : *t.lighthouse) listers[FactKey(a)].push_back(t.tenant.tenant_id);
  }
  // The tenant already holding an open fact keeps speaking for it while its file lists it or is absent;
  // otherwise the first tenant listing it does. One authorization is one fact, whoever lists it.
  std::unordered_map<std::string, TenantId>& holder = lighthouse_holder_;
  for (const AnyFact& f : open_lighthouse_) holder.emplace(FactKey(f.value), FactTenant(f.value));
  for (auto& [key, tenants] : listers) {
    auto h = holder.find(key);
    if (h != holder.end() &&
        (!present.count(h->second) || std::find(tenants.begin(), tenants.end(), h->second) != tenants.end())) {
      lighthouse_owner_[key] = h->second;
    } else {
      lighthouse_owner_[key] = tenants.front();
    }
  }
  return Status::Ok();
}

template <typename T, typename Fn>
Status Importer::ApplySimple(FactKind kind, SnapshotFile file, const TenantId& tenant, const std::vector<T>& items,
                             Fn to_value) {
  auto obs = Observe(tenant, file);
  if (!obs.ok()) return obs.status();
  auto open = tx_.OpenFacts(kind, kind == FactKind::kPartner ? std::nullopt : std::optional<TenantId>(tenant));
  if (!open.ok()) return open.status();
  Timestamp start = StartOfNewFact(std::nullopt, *obs);
  std::vector<WantedFact> wanted;
  wanted.reserve(items.size());
  for (const T& item : items) wanted.push_back(WantedFact{to_value(item), start, snap_.as_of, std::nullopt});
  return writer_.Apply(kind, Pointers(*open), std::move(wanted), snap_.as_of);
}

Status Importer::ApplyPrincipals(const TenantSnapshot& t) {
  if (!t.users && !t.service_principals && !t.groups) return Status::Ok();
  auto open = tx_.OpenFacts(FactKind::kPrincipal, t.tenant.tenant_id);
  if (!open.ok()) return open.status();
  // Each Graph file is its own kind: a user's times are judged against the previous users.json of the tenant,
  // whatever servicePrincipals.json or groups.json showed in between.
  auto apply_kind = [&](const std::optional<std::vector<PrincipalEntry>>& entries, PrincipalKind kind,
                        SnapshotFile file) -> Status {
    if (!entries) return Status::Ok();  // absent file: that kind of principal is unchanged
    auto obs = Observe(t.tenant.tenant_id, file);
    if (!obs.ok()) return obs.status();
    std::vector<const AnyFact*> open_of_kind;
    for (const AnyFact& f : *open)
      if (std::get<Principal>(f.value).kind == kind) open_of_kind.push_back(&f);
    std::vector<WantedFact> wanted;
    wanted.reserve(entries->size());
    for (const PrincipalEntry& e : *entries) {
      WantedFact w{e.value, StartOfNewFact(e.created, *obs), snap_.as_of, std::nullopt};
      // Deleted: ends at deletedDateTime when that counts, else asOf. First seen deleted: nothing is recorded.
      if (e.deleted) w.end = RefinedInstant(e.deleted, *obs);
      wanted.push_back(std::move(w));
    }
    return writer_.Apply(FactKind::kPrincipal, open_of_kind, std::move(wanted), snap_.as_of);
  };
  if (Status s = apply_kind(t.users, PrincipalKind::kUser, SnapshotFile::kUsers); !s.ok()) return s;
  if (Status s = apply_kind(t.service_principals, PrincipalKind::kServicePrincipal, SnapshotFile::kServicePrincipals);
      !s.ok())
    return s;
  if (Status s = apply_kind(t.groups, PrincipalKind::kGroup, SnapshotFile::kGroups); !s.ok()) return s;
  if (t.memberships)  // from groups.json too: the same observation as the groups
    return ApplySimple(FactKind::kGroupMembership, SnapshotFile::kGroups, t.tenant.tenant_id, *t.memberships,
                       [](const GroupMembership& m) { return FactValue(m); });
  return Status::Ok();
}

Status Importer::ApplySubscriptions(const TenantSnapshot& t) {
  const TenantId& tenant = t.tenant.tenant_id;
  if (t.management_groups) {
    if (Status s = ApplySimple(FactKind::kManagementGroup, SnapshotFile::kManagementGroups, tenant,
                               t.management_groups->groups,
                               [](const ManagementGroup& g) { return FactValue(g); });
        !s.ok())
      return s;
  }
  if (!t.subscriptions && !t.management_groups) return Status::Ok();

  // The root group: the tree's, else the open tree's root, else the group named after the tenant ID.
  std::string root = tenant;
  if (t.management_groups && !t.management_groups->root_group_id.empty()) {
    root = t.management_groups->root_group_id;
  } else {
    auto groups = tx_.OpenFacts(FactKind::kManagementGroup, tenant);
    if (!groups.ok()) return groups.status();
    for (const AnyFact& g : *groups)
      if (std::get<ManagementGroup>(g.value).parent_group_id.empty()) root = std::get<ManagementGroup>(g.value).group_id;
  }
  std::vector<const AnyFact*> mine;
  for (const AnyFact& f : open_subscriptions_)
    if (FactTenant(f.value) == tenant && !moved_away_.count(f.id)) mine.push_back(&f);
  auto parent_of = [&](const std::string& sub, const SubscriptionPlacement* current) -> std::string {
    if (t.management_groups) {
      auto it = t.management_groups->subscription_parent.find(sub);
      return it == t.management_groups->subscription_parent.end() ? root : it->second;
    }
    return current ? current->parent_group_id : root;  // no tree this time: the placement stands
  };

  std::optional<ObservationTimes> obs;
  if (t.subscriptions) {
    auto o = Observe(tenant, SnapshotFile::kSubscriptions);
    if (!o.ok()) return o.status();
    obs = *o;
  }
  std::vector<WantedFact> wanted;
  if (t.subscriptions) {
    for (const SubscriptionEntry& e : *t.subscriptions) {
      Timestamp start = StartOfNewFact(std::nullopt, *obs);
      const SubscriptionPlacement* current = nullptr;
      auto it = subscription_index_.find(e.subscription_id);
      if (it != subscription_index_.end()) {
        const AnyFact& held = open_subscriptions_[it->second];
        if (moved_away_.count(held.id)) {
          // It moved here from another tenant (decided in PrepareSubscriptions): that placement ends now.
          if (Status s = writer_.Close(held, snap_.as_of); !s.ok()) return s;
          start = snap_.as_of;
        } else {
          current = &std::get<SubscriptionPlacement>(held.value);
        }
      }
      SubscriptionPlacement value{e.subscription_id, tenant, e.display_name, parent_of(e.subscription_id, current)};
      wanted.push_back(WantedFact{value, start, snap_.as_of, std::nullopt});
    }
  } else {
    // Only the tree: the tenant's subscriptions stay, placed anew.
    for (const AnyFact* f : mine) {
      SubscriptionPlacement value = std::get<SubscriptionPlacement>(f->value);
      value.parent_group_id = parent_of(value.subscription_id, &value);
      wanted.push_back(WantedFact{value, snap_.as_of, snap_.as_of, std::nullopt});
    }
  }
  return writer_.Apply(FactKind::kSubscription, mine, std::move(wanted), snap_.as_of);
}

Status Importer::ApplyLighthouse(const TenantSnapshot& t) {
  const TenantId& tenant = t.tenant.tenant_id;
  auto obs = Observe(tenant, SnapshotFile::kRegistrationAssignments);
  if (!obs.ok()) return obs.status();
  std::vector<const AnyFact*> mine;
  for (const AnyFact& f : open_lighthouse_)
    if (FactTenant(f.value) == tenant) mine.push_back(&f);
  Timestamp start = StartOfNewFact(std::nullopt, *obs);
  std::vector<WantedFact> wanted;
  for (const LighthouseAuthorization& a : *t.lighthouse) {
    auto owner = lighthouse_owner_.find(FactKey(a));
    if (owner != lighthouse_owner_.end() && owner->second != tenant) continue;  // another tenant speaks for it
    // Taken over from another tenant's file: it continues from asOf, never backdated over the old fact.
    auto held = lighthouse_holder_.find(FactKey(a));
    bool taken_over = held != lighthouse_holder_.end() && held->second != tenant;
    wanted.push_back(WantedFact{a, taken_over ? snap_.as_of : start, snap_.as_of, std::nullopt});
  }
  return writer_.Apply(FactKind::kLighthouseAuthorization, mine, std::move(wanted), snap_.as_of);
}

Status Importer::ApplyLinks(const TenantSnapshot& t) {
  const TenantId& tenant = t.tenant.tenant_id;
  auto obs = Observe(tenant, SnapshotFile::kPartnerLinks);
  if (!obs.ok()) return obs.status();
  auto open = tx_.OpenFacts(FactKind::kPartnerLink, tenant);
  if (!open.ok()) return open.status();
  std::vector<const AnyFact*> imported;  // links made through the API are the API's, never closed by a file
  for (const AnyFact& f : *open)
    if (std::get<PartnerLink>(f.value).source == LinkSource::kImport) imported.push_back(&f);
  std::vector<WantedFact> wanted;
  for (const LinkEntry& e : *t.links) {
    std::optional<Timestamp> own = e.updated ? e.updated : e.created;
    PartnerLink value = e.value;
    Timestamp start = StartOfNewFact(own, *obs);
    value.created_time = e.created ? *e.created : (e.updated ? *e.updated : start);
    WantedFact w{value, start, e.updated ? RefinedInstant(e.updated, *obs) : snap_.as_of, std::nullopt};
    if (e.deleted) w.end = RefinedInstant(e.updated, *obs);  // Deleted ends the link, whichever partner it names
    wanted.push_back(std::move(w));
  }
  // A link's value is its partner ID: other fields (times) describe it and do not start a new fact.
  auto same_partner = [](const FactValue& a, const FactValue& b) {
    return std::get<PartnerLink>(a).partner_id == std::get<PartnerLink>(b).partner_id;
  };
  return writer_.Apply(FactKind::kPartnerLink, imported, std::move(wanted), snap_.as_of, same_partner);
}

Status Importer::ApplyTenant(const TenantSnapshot& t) {
  const TenantId& tenant = t.tenant.tenant_id;
  std::vector<Tenant> self = {t.tenant};
  if (Status s = ApplySimple(FactKind::kTenant, SnapshotFile::kTenant, tenant, self,
                             [](const Tenant& x) { return FactValue(x); });
      !s.ok())
    return s;
  if (Status s = ApplyPrincipals(t); !s.ok()) return s;
  if (Status s = ApplySubscriptions(t); !s.ok()) return s;
  if (t.custom_roles)
    if (Status s = ApplySimple(FactKind::kCustomRole, SnapshotFile::kRoleDefinitions, tenant, *t.custom_roles,
                               [](const CustomRole& r) { return FactValue(r); });
        !s.ok())
      return s;
  if (t.role_assignments) {
    auto obs = Observe(tenant, SnapshotFile::kRoleAssignments);
    if (!obs.ok()) return obs.status();
    auto open = tx_.OpenFacts(FactKind::kRoleAssignment, tenant);
    if (!open.ok()) return open.status();
    std::vector<WantedFact> wanted;
    wanted.reserve(t.role_assignments->size());
    for (const RoleAssignmentEntry& a : *t.role_assignments)
      wanted.push_back(
          WantedFact{a.value, StartOfNewFact(a.created, *obs), RefinedInstant(a.created, *obs), std::nullopt});
    if (Status s = writer_.Apply(FactKind::kRoleAssignment, Pointers(*open), std::move(wanted), snap_.as_of); !s.ok())
      return s;
  }
  if (t.lighthouse)
    if (Status s = ApplyLighthouse(t); !s.ok()) return s;
  if (t.links)
    if (Status s = ApplyLinks(t); !s.ok()) return s;
  return tx_.RecordSnapshot(tenant, snap_.as_of, snap_.directory);
}

Status Importer::ApplyPartners() {
  if (Status s = ApplySimple(FactKind::kPartner, SnapshotFile::kPartners, "", *snap_.partners,
                             [](const Partner& p) { return FactValue(p); });
      !s.ok())
    return s;
  return tx_.RecordSnapshot("", snap_.as_of, snap_.directory);
}

Status Importer::Run() {
  if (Status s = CheckOrder(); !s.ok()) return s;
  if (Status s = PrepareSubscriptions(); !s.ok()) return s;
  if (Status s = PrepareLighthouse(); !s.ok()) return s;
  for (const TenantSnapshot& t : snap_.tenants)
    if (Status s = ApplyTenant(t); !s.ok()) return s.WithContext(snap_.directory);
  if (snap_.partners)
    if (Status s = ApplyPartners(); !s.ok()) return s.WithContext(snap_.directory + ": partners.csv");
  // A snapshot with the same asOf as one already imported may only repeat it.
  for (const auto& [tenant, changes] : writer_.changes_by_tenant()) {
    if (changes == 0 || !same_as_of_.count(tenant)) continue;
    return Status::Error(
        StatusCode::kFailedPrecondition,
        fmt::format("refused: a snapshot at {} was already imported for {}, and this one would change {} fact(s); "
                    "a snapshot with the same asOf must change nothing (take a new snapshot instead)",
                    FormatIsoTime(snap_.as_of), tenant.empty() ? "the partner directory" : "tenant " + tenant, changes),
        snap_.directory);
  }
  return Status::Ok();
}

}  // namespace

int64_t ImportSummary::opened() const {
  int64_t n = 0;
  for (const auto& [kind, c] : by_kind) n += c.opened;
  return n;
}

int64_t ImportSummary::closed() const {
  int64_t n = 0;
  for (const auto& [kind, c] : by_kind) n += c.closed;
  return n;
}

std::string ImportSummary::ToText() const {
  std::string out = fmt::format("{} {} (asOf {}): {} tenant(s){}\n", committed ? "imported" : "unchanged, not written:",
                                directory, FormatIsoTime(as_of), tenants, partners ? ", partners.csv" : "");
  out += fmt::format("  {:<26} {:>10} {:>10} {:>10}\n", "facts", "opened", "closed", "unchanged");
  for (const auto& [kind, c] : by_kind)
    out += fmt::format("  {:<26} {:>10} {:>10} {:>10}\n", FactKindName(kind), c.opened, c.closed, c.unchanged);
  out += fmt::format("  {:<26} {:>10} {:>10}\n", "total", opened(), closed());
  return out;
}

Result<ImportSummary> ImportSnapshot(Store& store, const Snapshot& snapshot) {
  auto tx = store.BeginImport();
  if (!tx.ok()) return tx.status();
  Importer importer(**tx, snapshot);
  if (Status s = importer.Run(); !s.ok()) return s;  // the transaction is discarded: the store is unchanged
  ImportSummary summary;
  summary.directory = snapshot.directory;
  summary.as_of = snapshot.as_of;
  summary.tenants = snapshot.tenants.size();
  summary.partners = snapshot.partners.has_value();
  summary.by_kind = importer.writer().counts();
  // Nothing new at all (a repeat of snapshots already imported): leave the store exactly as it was.
  if (importer.all_repeats() && summary.opened() == 0 && summary.closed() == 0) return summary;
  if (Status s = (*tx)->Commit(); !s.ok()) return s;
  summary.committed = true;
  return summary;
}

}  // namespace openpal::ingest
