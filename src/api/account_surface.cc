// The two ARM calls `az login` makes after it has a token (/work/shared/reference/az-cli-offline.md):
// GET /subscriptions and GET /tenants, answered from the directory history as it holds now, for the caller's own
// tenant. Token and principal checks as on the link API.
#include <nlohmann/json.hpp>

#include "api/arm_errors.h"
#include "api/caller.h"
#include "api/openpal_surfaces.h"
#include "core/guid.h"

namespace openpal::api {
namespace {

enum class Collection { kSubscriptions, kTenants };

class AccountSurface : public Surface {
 public:
  explicit AccountSurface(const SurfaceContext& context) : context_(context) {}

  // Token, method, then an enabled principal (the route table checks them in the link API's order).
  std::vector<Route> Routes() const override {
    return {
        {"GET", "/subscriptions", Auth::kPrincipal, true,
         [this](const RouteCall& call) { return List(Collection::kSubscriptions, *call.caller, call.request, call.now); }},
        {"GET", "/tenants", Auth::kPrincipal, true,
         [this](const RouteCall& call) { return List(Collection::kTenants, *call.caller, call.request, call.now); }},
    };
  }

 private:
  ApiResponse List(Collection collection, const VerifiedToken& caller, const ApiRequest& request, Timestamp now) const {
    // ARM's subscription and tenant lists take any of their API versions; az 2.45 sends 2019-11-01 or 2022-12-01.
    if (!request.api_version || request.api_version->empty()) return ErrorResponse(MissingApiVersion());
    const Interval moment{now, Timestamp{now.micros + 1}};
    nlohmann::json value = nlohmann::json::array();
    if (collection == Collection::kSubscriptions) {
      auto facts = context_.store.LoadFacts(FactKind::kSubscription, moment, caller.tenant_id);
      if (!facts.ok()) return ErrorResponse(facts.status());
      for (const auto& fact : *facts) {
        const auto& s = std::get<SubscriptionPlacement>(fact.value);
        if (!fact.valid.contains(now)) continue;
        value.push_back({{"id", "/subscriptions/" + s.subscription_id},
                         {"authorizationSource", "RoleBased"},
                         {"managedByTenants", nlohmann::json::array()},
                         {"subscriptionId", s.subscription_id},
                         {"tenantId", s.tenant_id},
                         {"displayName", s.display_name},
                         {"state", "Enabled"},
                         {"subscriptionPolicies",
                          {{"locationPlacementId", "Public_2014-09-01"}, {"quotaId", "openpal"}, {"spendingLimit", "Off"}}}});
      }
    } else {
      auto facts = context_.store.LoadFacts(FactKind::kTenant, moment, caller.tenant_id);
      if (!facts.ok()) return ErrorResponse(facts.status());
      bool found = false;
      for (const auto& fact : *facts) {
        const auto& t = std::get<Tenant>(fact.value);
        if (!fact.valid.contains(now) || found) continue;
        found = true;
        value.push_back({{"id", "/tenants/" + t.tenant_id},
                         {"tenantId", t.tenant_id},
                         {"tenantCategory", "Home"},
                         {"displayName", t.display_name},
                         {"defaultDomain", t.default_domain},
                         {"domains", t.default_domain.empty() ? nlohmann::json::array() : nlohmann::json::array({t.default_domain})}});
      }
      // A principal's tenant without a tenant.json row is still its tenant.
      if (!found) value.push_back({{"id", "/tenants/" + caller.tenant_id}, {"tenantId", caller.tenant_id}, {"tenantCategory", "Home"}});
    }
    ApiResponse r;
    r.body = nlohmann::json{{"value", value}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
  }

  SurfaceContext context_;
};

}  // namespace

std::unique_ptr<Surface> MakeAccountSurface(const SurfaceContext& context) {
  return std::make_unique<AccountSurface>(context);
}

}  // namespace openpal::api
