// The link inventory and its risk rule, read from the store at one moment (see link_inventory.h).
#include "engine/link_inventory.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/guid.h"
#include "store/queries.h"

namespace openpal::engine {
namespace {

std::string KindOfPrincipal(const Principal& p) {
  if (p.kind == PrincipalKind::kUser) return p.user_type == UserType::kGuest ? "guest" : "member";
  if (p.kind == PrincipalKind::kServicePrincipal)
    return p.sp_type == ServicePrincipalType::kManagedIdentity ? "managedIdentity" : "servicePrincipal";
  return "unknown";  // a group cannot hold a link; the import refuses it, but never mislabel one
}

// Order of identity kinds in the listing: people first, then automation, then delegated access.
int KindRank(const std::string& kind) {
  static const std::vector<std::string> order = {"member", "guest", "servicePrincipal", "managedIdentity",
                                                 "lighthouse", "unknown"};
  auto it = std::find(order.begin(), order.end(), kind);
  return static_cast<int>(it - order.begin());
}

// The organisation tenant of a partner ID: its own tenantId, else its global account's (caller.h has the
// same rule for the API's read permission; this copy works on rows already loaded).
std::string OrganisationTenant(const std::map<std::string, Partner>& partners, const std::string& id) {
  auto it = partners.find(id);
  if (it == partners.end()) return "";
  if (!it->second.tenant_id.empty()) return it->second.tenant_id;
  auto global = partners.find(it->second.global_partner_id);
  return global == partners.end() ? "" : global->second.tenant_id;
}

}  // namespace

Result<LinkInventory> BuildLinkInventory(Store& store, const InventoryQuery& query) {
  const Interval moment{query.at, Timestamp{query.at.micros + 1}};
  LinkInventory inventory;
  inventory.at = query.at;

  auto partner_facts = store.LoadFacts(FactKind::kPartner, moment);
  if (!partner_facts.ok()) return partner_facts.status();
  std::map<std::string, Partner> partners;
  for (const auto& f : *partner_facts) {
    const auto& p = std::get<Partner>(f.value);
    partners[p.partner_id] = p;
  }
  auto selected = [&](const std::string& partner_id) {
    if (!query.partner_id) return true;
    if (partner_id == *query.partner_id) return true;
    auto it = partners.find(partner_id);
    return it != partners.end() && it->second.global_partner_id == *query.partner_id;
  };

  auto tenant_facts = store.LoadFacts(FactKind::kTenant, moment);
  if (!tenant_facts.ok()) return tenant_facts.status();
  std::map<TenantId, std::string> tenant_names;
  for (const auto& f : *tenant_facts) {
    const auto& t = std::get<Tenant>(f.value);
    tenant_names[t.tenant_id] = t.display_name;
  }
  auto name_of = [&](const TenantId& t) {
    auto it = tenant_names.find(t);
    return it == tenant_names.end() ? std::string() : it->second;
  };

  auto link_facts = store.LoadFacts(FactKind::kPartnerLink, moment);
  if (!link_facts.ok()) return link_facts.status();
  std::vector<Fact<PartnerLink>> links;
  for (const auto& f : *link_facts) {
    const auto& l = std::get<PartnerLink>(f.value);
    if (f.valid.contains(query.at) && selected(l.partner_id)) links.push_back({f.id, l, f.valid});
  }

  // Permanent Lighthouse authorizations of that moment, by managing tenant (eligible ones never give access).
  std::map<TenantId, std::vector<LighthouseAuthorization>> lighthouse_by_manager;
  if (!links.empty()) {
    auto lh = store.LoadFacts(FactKind::kLighthouseAuthorization, moment);
    if (!lh.ok()) return lh.status();
    for (const auto& f : *lh) {
      const auto& a = std::get<LighthouseAuthorization>(f.value);
      if (!a.eligible && f.valid.contains(query.at)) lighthouse_by_manager[a.managing_tenant_id].push_back(a);
    }
  }

  for (const auto& link : links) {
    const PartnerLink& l = link.value;
    InventoryLink row;
    row.principal_tenant_id = l.tenant_id;
    row.object_id = l.object_id;
    row.partner_id = l.partner_id;
    if (auto it = partners.find(l.partner_id); it != partners.end()) row.partner_name = it->second.partner_name;
    row.since = l.created_time.micros != 0 ? l.created_time : link.valid.from;
    row.source = l.source == LinkSource::kApi ? "api" : "import";
    auto principal = store.PrincipalAt(l.tenant_id, l.object_id, query.at);
    if (!principal.ok()) return principal.status();
    row.principal_state = "enabled";
    if (!*principal) {
      // Gone from the directory while the link stayed: describe it as it was when the link began.
      row.principal_state = "deleted";
      principal = store.PrincipalAt(l.tenant_id, l.object_id, link.valid.from);
      if (!principal.ok()) return principal.status();
      if (!*principal) {  // the link predates what the directory knows: take its last known state
        auto known = store.LoadFacts(FactKind::kPrincipal, Interval{link.valid.from, moment.to}, l.tenant_id);
        if (!known.ok()) return known.status();
        for (const auto& f : *known) {
          const auto& p = std::get<Principal>(f.value);
          if (p.object_id == l.object_id) principal = std::optional<Fact<Principal>>(Fact<Principal>{f.id, p, f.valid});
        }
      }
    }
    if (*principal) {
      const Principal& p = (*principal)->value;
      row.display_name = p.display_name;
      row.identity_kind = KindOfPrincipal(p);
      row.is_user = p.kind == PrincipalKind::kUser;
      if (!p.enabled && row.principal_state == "enabled") row.principal_state = "disabled";
    } else {
      row.identity_kind = "unknown";
    }
    row.tenant_id = l.tenant_id;
    row.tenant_name = name_of(l.tenant_id);
    inventory.links.push_back(row);

    auto managed = lighthouse_by_manager.find(l.tenant_id);
    if (managed == lighthouse_by_manager.end()) continue;
    auto groups = TransitiveGroupsOf(store, l.tenant_id, l.object_id, moment);
    if (!groups.ok()) return groups.status();
    std::set<TenantId> customers;
    for (const auto& a : managed->second) {
      bool holds = EqualsIgnoreCase(a.principal_id, l.object_id);
      if (!holds) {
        auto g = groups->find(AsciiLower(a.principal_id));
        holds = g != groups->end() && g->second.contains(query.at);
      }
      if (holds && a.customer_tenant_id != l.tenant_id) customers.insert(a.customer_tenant_id);
    }
    for (const auto& customer : customers) {
      InventoryLink delegated = row;
      delegated.tenant_id = customer;
      delegated.tenant_name = name_of(customer);
      delegated.identity_kind = "lighthouse";
      inventory.links.push_back(delegated);
    }
  }

  if (query.tenant_id) {
    std::string wanted = AsciiLower(*query.tenant_id);
    std::erase_if(inventory.links, [&](const InventoryLink& r) { return r.tenant_id != wanted; });
  }
  std::sort(inventory.links.begin(), inventory.links.end(), [](const InventoryLink& a, const InventoryLink& b) {
    return std::make_tuple(a.tenant_name, a.tenant_id, KindRank(a.identity_kind), a.display_name, a.object_id,
                           a.partner_id) < std::make_tuple(b.tenant_name, b.tenant_id, KindRank(b.identity_kind),
                                                           b.display_name, b.object_id, b.partner_id);
  });

  // At risk: a customer (not the partner organisation's own tenant) where every principal whose link counts
  // for that partner ID is a user, so the credit leaves with the people.
  std::map<std::pair<TenantId, std::string>, std::vector<const InventoryLink*>> by_customer;
  for (const auto& r : inventory.links) by_customer[{r.tenant_id, r.partner_id}].push_back(&r);
  for (const auto& [key, rows] : by_customer) {
    const auto& [tenant, partner_id] = key;
    if (tenant == OrganisationTenant(partners, partner_id)) continue;
    bool users_only = std::all_of(rows.begin(), rows.end(), [](const InventoryLink* r) { return r->is_user; });
    if (!users_only) continue;
    CustomerAtRisk risk{tenant, name_of(tenant), partner_id, static_cast<int>(rows.size()), ""};
    std::string names;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i) names += i + 1 == rows.size() ? " and " : ", ";
      bool delegated = rows[i]->identity_kind == "lighthouse";
      names += delegated ? "" : rows[i]->identity_kind + " ";
      names += rows[i]->display_name.empty() ? rows[i]->object_id : rows[i]->display_name;
      names += delegated ? " (via Lighthouse)" : "";
    }
    bool none_active = std::none_of(rows.begin(), rows.end(),
                                    [](const InventoryLink* r) { return r->principal_state == "enabled"; });
    if (none_active)
      risk.reason = "Already lost: " + names + (rows.size() == 1 ? " is" : " are") + " disabled or deleted.";
    else if (rows.size() == 1)
      risk.reason = "Only " + names + " is linked: the credit leaves with that person.";
    else
      risk.reason = "Only users are linked (" + names + "): the credit leaves with them.";
    inventory.at_risk.push_back(std::move(risk));
  }
  std::sort(inventory.at_risk.begin(), inventory.at_risk.end(), [](const CustomerAtRisk& a, const CustomerAtRisk& b) {
    return std::tie(a.tenant_name, a.tenant_id, a.partner_id) < std::tie(b.tenant_name, b.tenant_id, b.partner_id);
  });
  return inventory;
}

std::string LinkInventoryJson(const LinkInventory& inventory, int indent) {
  nlohmann::json links = nlohmann::json::array();
  for (const auto& r : inventory.links) {
    links.push_back({{"tenantId", r.tenant_id},
                     {"tenantName", r.tenant_name},
                     {"principalTenantId", r.principal_tenant_id},
                     {"objectId", r.object_id},
                     {"displayName", r.display_name},
                     {"identityKind", r.identity_kind},
                     {"principalState", r.principal_state},
                     {"partnerId", r.partner_id},
                     {"partnerName", r.partner_name},
                     {"since", FormatIsoTime(r.since)},
                     {"source", r.source}});
  }
  nlohmann::json risks = nlohmann::json::array();
  for (const auto& r : inventory.at_risk) {
    risks.push_back({{"tenantId", r.tenant_id},
                     {"tenantName", r.tenant_name},
                     {"partnerId", r.partner_id},
                     {"linkedUsers", r.linked_users},
                     {"reason", r.reason}});
  }
  nlohmann::json doc = {{"at", FormatIsoTime(inventory.at)}, {"links", links}, {"customersAtRisk", risks}};
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace openpal::engine
