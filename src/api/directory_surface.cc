// /openpal/v1/me, /partners/{id}, /links, /openapi.json and the dev sign-in (/dev/principals, POST /dev/token),
// as docs/openpal-api.md specifies them. Errors use the ARM error body (arm_errors.h).
#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "api/arm_errors.h"
#include "api/caller.h"
#include "api/dev_issuer.h"
#include "api/management_partner.h"
#include "api/openapi.h"
#include "api/openpal_surfaces.h"
#include "core/guid.h"
#include "core/time.h"
#include "engine/link_inventory.h"

namespace openpal::api {
namespace {

// Names and display names come from directory exports: invalid UTF-8 in them is replaced, never a throw.
ApiResponse Json(const nlohmann::json& doc) {
  return JsonResponse(doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Status BadQuery(const std::string& message) { return ArmStatus(ArmCode::kInvalidQueryParameter, message); }

std::string KindName(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser: return "user";
    case PrincipalKind::kServicePrincipal: return "servicePrincipal";
    case PrincipalKind::kGroup: return "group";
  }
  return "unknown";
}

std::string UserTypeOf(const Principal& p) {
  if (p.kind != PrincipalKind::kUser) return "";
  return p.user_type == UserType::kGuest ? "guest" : "member";
}

const char* LevelName(PartnerLevel level) { return level == PartnerLevel::kGlobal ? "global" : "location"; }

class DirectorySurface : public Surface {
 public:
  explicit DirectorySurface(const SurfaceContext& context) : context_(context) {}

  // Trailing slashes are tolerated (any number). The dev sign-in exists only with --dev-issuer and needs no token;
  // its other paths are 404 without one either way.
  std::vector<Route> Routes() const override {
    std::vector<Route> routes = {
        {"GET", "/openpal/v1/me", Auth::kPrincipal, true,
         [this](const RouteCall& call) { return Me(*call.caller, call.now); }, Slash::kAny},
        {"GET", "/openpal/v1/partners/{partnerId}", Auth::kPrincipal, true,
         [this](const RouteCall& call) { return PartnerInfo(call.params[0], call.now); }, Slash::kAny},
        {"GET", "/openpal/v1/links", Auth::kPrincipal, true,
         [this](const RouteCall& call) { return Links(*call.caller, call.request, call.now); }, Slash::kAny},
        // Like every route but /dev/*, behind the token (the contract).
        {"GET", "/openpal/v1/openapi.json", Auth::kPrincipal, true, [](const RouteCall&) { return OpenApi(); },
         Slash::kAny},
    };
    if (context_.dev_issuer) {
      routes.push_back({"GET", "/openpal/v1/dev/principals", Auth::kPublic, true,
                        [this](const RouteCall& call) { return DevPrincipals(call.now); }, Slash::kAny});
      routes.push_back({"POST", "/openpal/v1/dev/token", Auth::kPublic, true,
                        [this](const RouteCall& call) { return DevToken(call.request, call.now); }, Slash::kAny,
                        PathCase::kInsensitive, /*takes_body=*/true});
    }
    routes.push_back({"*", "/openpal/v1/dev/**", Auth::kPublic, false,
                      [](const RouteCall& call) { return ErrorResponse(UnknownPath(call.request.path)); }, Slash::kAny});
    return routes;
  }

 private:
  static ApiResponse OpenApi() { return JsonResponse(OpenApiDocument()); }

  ApiResponse Me(const VerifiedToken& caller, Timestamp now) const {
    auto principal = context_.store.PrincipalAt(caller.tenant_id, caller.object_id, now);
    if (!principal.ok()) return ErrorResponse(principal.status());
    const Principal& p = (*principal)->value;  // CheckEnabledPrincipal saw it
    auto partners = PartnersOfOrganisation(context_.store, caller.tenant_id, now);
    if (!partners.ok()) return ErrorResponse(partners.status());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& partner : *partners)
      list.push_back({{"partnerId", partner.partner_id},
                      {"partnerName", partner.partner_name},
                      {"level", LevelName(partner.level)}});
    return Json({{"tenantId", caller.tenant_id},
                 {"objectId", caller.object_id},
                 {"displayName", p.display_name},
                 {"principalKind", KindName(p.kind)},
                 {"userType", UserTypeOf(p)},
                 {"partners", list}});
  }

  // Why `partner` cannot be linked, in the link API's PartnerIdInvalid words (management_partner.cc), or "".
  Result<std::string> NotLinkableReason(const Partner& partner, const std::vector<Partner>& locations) const {
    const std::string prefix = std::string(kPartnerIdNotValid) + ": ";
    if (partner.state == PartnerState::kDeleted)
      return prefix + partner.partner_id + " (" + partner.partner_name + ") has been deleted from the partner directory.";
    if (partner.level == PartnerLevel::kGlobal) {
      std::string message = prefix + partner.partner_id + " is the global (PGA) Partner ID of " +
                            partner.partner_name + "; links need a location (PLA) Partner ID";
      std::string ids;
      for (const auto& location : locations) {
        if (location.state != PartnerState::kActive) continue;
        if (!ids.empty()) ids += ", ";
        ids += location.partner_id + " (" + location.partner_name + ")";
      }
      return message + (ids.empty() ? ", and it has none in the directory." : ": use one of " + ids + ".");
    }
    return std::string();
  }

  ApiResponse PartnerInfo(const std::string& id, Timestamp now) const {
    if (!IsPartnerIdFormat(id)) return ErrorResponse(PartnerIdInvalid(kPartnerIdNotValid));
    auto row = context_.store.PartnerAt(id, now);
    if (!row.ok()) return ErrorResponse(row.status());
    if (!*row)
      return ErrorResponse(PartnerNotInDirectory(id));
    const Partner& partner = (*row)->value;
    // The organisation's location IDs (for a global ID, its own; for a location ID, its siblings and itself).
    std::string global = partner.level == PartnerLevel::kGlobal ? partner.partner_id : partner.global_partner_id;
    std::vector<Partner> locations;
    if (!global.empty()) {
      auto found = context_.store.LocationsOf(global, now);
      if (!found.ok()) return ErrorResponse(found.status());
      locations = std::move(*found);
    }
    std::sort(locations.begin(), locations.end(),
              [](const Partner& a, const Partner& b) { return a.partner_id < b.partner_id; });
    auto reason = NotLinkableReason(partner, locations);
    if (!reason.ok()) return ErrorResponse(reason.status());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& l : locations)
      if (l.state == PartnerState::kActive) list.push_back({{"partnerId", l.partner_id}, {"partnerName", l.partner_name}});
    return Json({{"partnerId", partner.partner_id},
                 {"partnerName", partner.partner_name},
                 {"level", LevelName(partner.level)},
                 {"state", partner.state == PartnerState::kActive ? "active" : "deleted"},
                 {"globalPartnerId", partner.global_partner_id},
                 {"locations", list},
                 {"linkable", reason->empty()},
                 {"reason", *reason}});
  }

  ApiResponse Links(const VerifiedToken& caller, const ApiRequest& request, Timestamp now) const {
    auto partner = request.Query("partner");
    if (!partner || partner->empty())
      return ErrorResponse(BadQuery("The query parameter 'partner' (a partner ID) is required."));
    if (!IsPartnerIdFormat(*partner)) return ErrorResponse(PartnerIdInvalid(kPartnerIdNotValid));
    if (Status s = CheckMayReadPartner(context_.store, caller, *partner, now); !s.ok()) return ErrorResponse(s);
    engine::InventoryQuery query;
    query.at = now;
    query.partner_id = *partner;
    if (auto at = request.Query("at"); at && !at->empty()) {
      auto parsed = ParseTime(*at);
      if (!parsed.ok()) return ErrorResponse(BadQuery("The query parameter 'at' is not a time: " + parsed.status().message()));
      query.at = *parsed;
    }
    if (auto tenant = request.Query("tenant"); tenant && !tenant->empty()) {
      auto normal = NormalizeGuid(*tenant);
      if (!normal) return ErrorResponse(BadQuery("The query parameter 'tenant' must be a tenant ID (GUID)."));
      query.tenant_id = *normal;
    }
    auto inventory = engine::BuildLinkInventory(context_.store, query);
    if (!inventory.ok()) return ErrorResponse(inventory.status());
    return JsonResponse(engine::LinkInventoryJson(*inventory));
  }

  ApiResponse DevPrincipals(Timestamp now) const {
    const Interval moment{now, Timestamp{now.micros + 1}};
    auto tenants = context_.store.LoadFacts(FactKind::kTenant, moment);
    if (!tenants.ok()) return ErrorResponse(tenants.status());
    auto principals = context_.store.LoadFacts(FactKind::kPrincipal, moment);
    if (!principals.ok()) return ErrorResponse(principals.status());
    std::map<TenantId, nlohmann::json> by_tenant;
    std::map<TenantId, std::string> names;
    for (const auto& f : *tenants) {
      const auto& t = std::get<Tenant>(f.value);
      names[t.tenant_id] = t.display_name;
    }
    std::vector<Principal> list;
    for (const auto& f : *principals) {
      const auto& p = std::get<Principal>(f.value);
      if (f.valid.contains(now) && p.enabled && p.kind != PrincipalKind::kGroup) list.push_back(p);
    }
    std::sort(list.begin(), list.end(), [](const Principal& a, const Principal& b) {
      return std::tie(a.tenant_id, a.kind, a.display_name, a.object_id) <
             std::tie(b.tenant_id, b.kind, b.display_name, b.object_id);
    });
    for (const auto& p : list) {
      auto& entry = by_tenant[p.tenant_id];
      if (entry.is_null()) entry = nlohmann::json::array();
      entry.push_back({{"objectId", p.object_id},
                       {"displayName", p.display_name},
                       {"kind", KindName(p.kind)},
                       {"userType", UserTypeOf(p)}});
    }
    std::vector<std::pair<std::string, TenantId>> order;
    for (const auto& [tenant, _] : by_tenant) order.emplace_back(names[tenant], tenant);
    std::sort(order.begin(), order.end());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [name, tenant] : order)
      out.push_back({{"tenantId", tenant}, {"displayName", name}, {"principals", by_tenant[tenant]}});
    return Json({{"tenants", out}, {"devIssuer", kDevIssuer}});
  }

  ApiResponse DevToken(const ApiRequest& request, Timestamp now) const {
    auto body = nlohmann::json::parse(request.body, nullptr, false);
    if (!body.is_object() || !body.contains("tenantId") || !body.contains("objectId") ||
        !body["tenantId"].is_string() || !body["objectId"].is_string())
      return ErrorResponse(InvalidRequestContent("expected a JSON body {\"tenantId\": GUID, \"objectId\": GUID}"));
    auto tenant = NormalizeGuid(body["tenantId"].get<std::string>());
    auto object = NormalizeGuid(body["objectId"].get<std::string>());
    if (!tenant || !object) return ErrorResponse(InvalidRequestContent("tenantId and objectId must be GUIDs"));
    constexpr int64_t kTtl = 3600;
    auto token = context_.dev_issuer->Mint(*tenant, *object, kTtl);
    if (!token.ok()) return ErrorResponse(token.status());
    return Json({{"accessToken", *token},
                 {"tokenType", "Bearer"},
                 {"expiresOn", FormatIsoTime(Timestamp{now.micros + kTtl * 1000000})}});
  }

  SurfaceContext context_;
};

}  // namespace

std::unique_ptr<Surface> MakeDirectorySurface(const SurfaceContext& context) {
  return std::make_unique<DirectorySurface>(context);
}

}  // namespace openpal::api
