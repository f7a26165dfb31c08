// Bearer authentication and directory checks shared by the surfaces of `pal serve`.
#include "api/caller.h"

#include <algorithm>

#include "api/arm_errors.h"
#include "core/guid.h"

namespace openpal::api {

Result<VerifiedToken> AuthenticateBearer(const TokenVerifier& verifier, const std::optional<std::string>& authorization,
                                         Timestamp now) {
  if (!authorization) return MissingAuthorization();
  std::string_view header = *authorization;
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) header.remove_suffix(1);
  if (header.empty()) return MissingAuthorization();
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() || !EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme))
    return MalformedAuthorization();
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty() || token.find_first_of(" \t,") != std::string_view::npos) return MalformedAuthorization();
  return verifier.Verify(token, now);
}

Status CheckEnabledPrincipal(Store& store, const VerifiedToken& caller, Timestamp now) {
  auto principal = store.PrincipalAt(caller.tenant_id, caller.object_id, now);
  if (!principal.ok()) return principal.status();
  const auto& fact = *principal;
  if (!fact || !fact->value.enabled || fact->value.kind == PrincipalKind::kGroup)
    return PrincipalNotFound(caller.tenant_id, caller.object_id);
  return Status::Ok();
}

Result<std::optional<TenantId>> PartnerOrganisationTenant(Store& store, const std::string& partner_id, Timestamp now) {
  auto row = store.PartnerAt(partner_id, now);
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<TenantId>();
  const Partner& partner = (*row)->value;
  if (!partner.tenant_id.empty()) return std::optional<TenantId>(partner.tenant_id);
  if (partner.global_partner_id.empty()) return std::optional<TenantId>();
  auto global = store.PartnerAt(partner.global_partner_id, now);
  if (!global.ok()) return global.status();
  if (!*global || (*global)->value.tenant_id.empty()) return std::optional<TenantId>();
  return std::optional<TenantId>((*global)->value.tenant_id);
}

Status CheckMayReadPartner(Store& store, const VerifiedToken& caller, const std::string& partner_id, Timestamp now) {
  auto tenant = PartnerOrganisationTenant(store, partner_id, now);
  if (!tenant.ok()) return tenant.status();
  if (!*tenant) {
    auto row = store.PartnerAt(partner_id, now);
    if (!row.ok()) return row.status();
    if (!*row) return PartnerNotInDirectory(partner_id);
  }
  if (!*tenant || **tenant != caller.tenant_id)
    return ArmStatus(ArmCode::kAuthorizationFailed, "The client '" + caller.object_id + "' in tenant '" + caller.tenant_id +
                                                    "' may not read the reports of partner " + partner_id +
                                                    ": only principals of the partner organisation's own tenant may.");
  return Status::Ok();
}

Result<std::vector<Partner>> PartnersOfOrganisation(Store& store, const TenantId& tenant, Timestamp now) {
  auto facts = store.LoadFacts(FactKind::kPartner, Interval{now, Timestamp{now.micros + 1}});
  if (!facts.ok()) return facts.status();
  std::vector<Partner> partners;
  std::vector<std::string> globals_of_tenant;
  for (const auto& fact : *facts) {
    const auto& p = std::get<Partner>(fact.value);
    if (p.tenant_id == tenant && p.level == PartnerLevel::kGlobal) globals_of_tenant.push_back(p.partner_id);
  }
  for (const auto& fact : *facts) {
    const auto& p = std::get<Partner>(fact.value);
    bool own = p.tenant_id == tenant ||
               (p.tenant_id.empty() && std::find(globals_of_tenant.begin(), globals_of_tenant.end(),
                                                 p.global_partner_id) != globals_of_tenant.end());
    if (own) partners.push_back(p);
  }
  std::sort(partners.begin(), partners.end(),
            [](const Partner& a, const Partner& b) { return a.partner_id < b.partner_id; });
  return partners;
}

}  // namespace openpal::api
