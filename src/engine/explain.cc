// Explain reuses the crediting's own paths and step sets, evaluated at one instant, so it can never disagree with it.
#include "engine/explain.h"

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/guid.h"
#include "engine/attribution.h"

namespace openpal::engine {
namespace {

std::string Who(const CandidatePath& p) {
  std::string who = "principal " + p.principal + " of tenant " + p.tenant;
  if (!p.group.empty()) who += " (member of group " + p.group + ")";
  return who;
}

std::string PartnerProblem(const DirectoryView& index, const std::string& partner_id, Timestamp at) {
  const PartnerInfo* info = index.Partner(partner_id);
  if (!info || !info->known.contains(at)) return "partner ID " + partner_id + " is not in the partner directory then";
  if (info->ever_global)
    return "partner ID " + partner_id + " is a global (PGA) ID or deleted then; only active location IDs are credited";
  return "partner ID " + partner_id + " was deleted then";
}

}  // namespace

Result<Explanation> Explain(const DirectoryView& index, const RolePolicy& policy, const std::string& resource_text,
                            Timestamp at, const std::optional<std::string>& partner) {
  Explanation e;
  e.resource = resource_text;
  e.at = FormatIsoTime(at);
  std::optional<Scope> scope;
  if (IsGuid(resource_text)) {
    scope = Scope::ForSubscription(*NormalizeGuid(resource_text));
  } else {
    auto parsed = Scope::Parse(resource_text);
    if (!parsed.ok()) return parsed.status();
    scope = *parsed;
  }
  if (!scope->subscription_id()) {
    e.reason = ReasonCode(Reason::kNoScope);
    e.summary = "Nobody is credited: the resource ID names no subscription, so it has no customer (NO_SCOPE).";
    return e;
  }
  e.subscription_id = AsciiLower(*scope->subscription_id());
  if (const auto* placements = index.Placements(e.subscription_id))
    for (const auto& p : *placements)
      if (p.valid.contains(at)) e.customer_tenant = p.tenant;
  if (e.customer_tenant.empty()) {
    e.reason = ReasonCode(Reason::kUnknownSubscription);
    e.summary = "Nobody is credited: no imported snapshot shows a tenant holding subscription " + e.subscription_id +
                " at that time (UNKNOWN_SUBSCRIPTION).";
    return e;
  }
  for (const auto& c : ScopeChain(index, *scope, e.customer_tenant))
    if (c.when.contains(at)) e.chain.push_back(c.text);
  auto paths = FindPaths(index, *scope, e.customer_tenant, policy);
  std::set<std::string> credited;
  for (auto& path : paths) {
    if (partner) {
      bool mentions = false;
      for (const auto& w : path.partners) mentions |= w.partner_id == *partner;
      if (!mentions) continue;
    }
    PathVerdict v;
    v.access = path.access.contains(at);
    v.linked = path.linked.contains(at);
    v.enabled = path.enabled.contains(at);
    v.role_passes = path.role_passes;
    std::string valid_partner;
    for (const auto& w : path.partners) {
      if (const auto* links = index.LinksOf(PrincipalKey(path.tenant, path.principal)))
        for (const auto& l : *links)
          if (l.valid.contains(at) && l.partner_id == w.partner_id) v.partner_at = w.partner_id;
      if (w.valid.contains(at)) {
        v.partner_valid = true;
        valid_partner = w.partner_id;
      }
    }
    std::string how = std::string(path.lighthouse ? "Azure Lighthouse authorization" : "role assignment") + " '" +
                      path.role_name + "' on " + path.scope_text + " for " + Who(path);
    if (!v.access) {
      v.explanation = how + ": does not qualify, the access did not hold then (not yet granted, removed, or the "
                            "principal was not in the group)";
    } else if (!v.linked) {
      v.explanation = how + ": does not qualify, the principal had no active Partner Admin Link then";
    } else if (!v.enabled) {
      v.explanation = how + ": does not qualify, the linked principal was disabled, deleted or unknown then";
    } else if (!v.partner_valid) {
      v.explanation = how + ": does not qualify, " + PartnerProblem(index, v.partner_at, at);
    } else if (!v.role_passes) {
      v.explanation = how + ": does not qualify, the role policy (" + policy.Describe() + ") refuses this role";
    } else {
      v.qualifies = true;
      credited.insert(valid_partner);
      v.explanation = how + ": qualifies, partner " + valid_partner + " is credited (AdminType " + path.role_name + ")";
    }
    v.path = std::move(path);
    e.paths.push_back(std::move(v));
  }
  e.credited_partners.assign(credited.begin(), credited.end());
  if (credited.empty()) {
    Reason r = ReasonFor(BuildTenantProfile(FindPaths(index, *scope, e.customer_tenant, policy)), at, at);
    e.reason = ReasonCode(r);
    e.summary = std::string("Nobody") + (partner ? " (of partner " + *partner + ")" : "") +
                " is credited for this resource at that time; the reason code for its usage is " + *e.reason + ".";
  } else {
    std::string list;
    for (const auto& p : e.credited_partners) list += (list.empty() ? "" : ", ") + p;
    e.summary = "Credited in full (influence credit) to: " + list + ".";
  }
  return e;
}

std::string ExplanationText(const Explanation& e) {
  std::ostringstream out;
  out << "Resource: " << e.resource << "\nAt: " << e.at << "\n";
  if (!e.subscription_id.empty()) out << "Subscription: " << e.subscription_id << "\n";
  if (!e.customer_tenant.empty()) out << "Customer tenant then: " << e.customer_tenant << "\n";
  if (!e.chain.empty()) {
    out << "Scopes whose roles apply (nearest first):\n";
    for (const auto& s : e.chain) out << "  " << s << "\n";
  }
  if (!e.customer_tenant.empty()) {
    out << "Paths considered (principals that ever had a Partner Admin Link): " << e.paths.size() << "\n";
    for (const auto& v : e.paths) out << "  - " << v.explanation << "\n";
  }
  out << e.summary << "\n";
  return out.str();
}

std::string ExplanationJson(const Explanation& e) {
  nlohmann::ordered_json j;
  j["resource"] = e.resource;
  j["at"] = e.at;
  j["subscriptionId"] = e.subscription_id;
  j["customerTenantId"] = e.customer_tenant;
  j["chain"] = e.chain;
  j["paths"] = nlohmann::ordered_json::array();
  for (const auto& v : e.paths) {
    nlohmann::ordered_json p;
    p["kind"] = v.path.lighthouse ? "lighthouse" : "roleAssignment";
    p["scope"] = v.path.scope_text;
    p["tenantId"] = v.path.tenant;
    p["principalId"] = v.path.principal;
    p["viaGroup"] = v.path.group;
    p["roleDefinitionId"] = v.path.role_guid;
    p["roleName"] = v.path.role_name;
    p["partnerIdThen"] = v.partner_at;
    p["access"] = v.access;
    p["activeLink"] = v.linked;
    p["principalEnabled"] = v.enabled;
    p["partnerIdValid"] = v.partner_valid;
    p["rolePasses"] = v.role_passes;
    p["qualifies"] = v.qualifies;
    p["explanation"] = v.explanation;
    j["paths"].push_back(std::move(p));
  }
  j["creditedPartners"] = e.credited_partners;
  j["reason"] = e.reason ? nlohmann::ordered_json(*e.reason) : nlohmann::ordered_json(nullptr);
  j["summary"] = e.summary;
  // A resource ID given with invalid UTF-8 becomes U+FFFD, as in the other JSON writers, instead of an exception.
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace openpal::engine
