// Microsoft.ManagementPartner routes and link behaviour (link-api.md "Routes" and "Behaviour").
#include "api/management_partner.h"

#include <nlohmann/json.hpp>

#include "api/arm_errors.h"
#include "api/caller.h"
#include "core/guid.h"

namespace openpal::api {
namespace {

constexpr std::string_view kProviderPrefix = "/providers/microsoft.managementpartner";

enum class RouteKind { kPartner, kPartnersCollection, kOperations, kUnknownUnderProvider, kUnknown };

struct Route {
  RouteKind kind = RouteKind::kUnknown;
  std::string partner_id;  // kPartner only, as sent
};

// Case-insensitive routing, as ARM does: the path is compared lowercased; the ID keeps the caller's text.
Route ParseRoute(const std::string& path) {
  std::string lower = AsciiLower(path);
  if (lower.rfind(kProviderPrefix, 0) != 0) return {RouteKind::kUnknown, {}};
  std::string_view rest = std::string_view(path).substr(kProviderPrefix.size());
  std::string_view rest_lower = std::string_view(lower).substr(kProviderPrefix.size());
  if (!rest.empty() && rest[0] != '/') return {RouteKind::kUnknown, {}};  // "/providers/microsoft.managementpartnerX"
  // One trailing slash is tolerated everywhere (PowerShell sends ".../partners/" for "my link").
  if (rest.size() > 1 && rest.back() == '/') {
    rest.remove_suffix(1);
    rest_lower.remove_suffix(1);
  }
  if (rest_lower == "/operations") return {RouteKind::kOperations, {}};
  if (rest_lower == "/partners" || rest_lower == "/partners/") return {RouteKind::kPartnersCollection, {}};
  constexpr std::string_view kPartners = "/partners/";
  if (rest_lower.rfind(kPartners, 0) == 0) {
    std::string_view id = rest.substr(kPartners.size());
    if (!id.empty() && id.find('/') == std::string_view::npos) return {RouteKind::kPartner, std::string(id)};
  }
  return {RouteKind::kUnknownUnderProvider, {}};
}

bool MethodAllowed(RouteKind kind, const std::string& method) {
  switch (kind) {
    case RouteKind::kPartner:
      return method == "GET" || method == "PUT" || method == "PATCH" || method == "DELETE";
    case RouteKind::kPartnersCollection:
    case RouteKind::kOperations:
      return method == "GET";
    default:
      return true;
  }
}

const char* AllowHeader(RouteKind kind) { return kind == RouteKind::kPartner ? "GET, PUT, PATCH, DELETE" : "GET"; }

ApiResponse Ok(std::string body) {
  ApiResponse r;
  r.status = 200;
  r.body = std::move(body);
  return r;
}

}  // namespace

bool IsPartnerIdFormat(std::string_view id) {
  if (id.size() < 6 || id.size() > 10) return false;
  for (char c : id)
    if (c < '0' || c > '9') return false;
  return true;
}

const std::string& OperationsListBody() {
  static const std::string body = [] {
    auto op = [](const char* name, const char* operation, const char* description) {
      return nlohmann::json{{"name", name},
                            {"display",
                             {{"provider", "Microsoft ManagementPartner"},
                              {"resource", "ManagementPartner"},
                              {"operation", operation},
                              {"description", description}}}};
    };
    nlohmann::json list = {
        {"value",
         {op("Microsoft.ManagementPartner/partners/read", "Get ManagementPartner", "Read All ManagementPartner"),
          op("Microsoft.ManagementPartner/partners/write", "Create ManagementPartner", "Create any ManagementPartner"),
          op("Microsoft.ManagementPartner/partners/action", "Update ManagementPartner", "Update any ManagementPartner"),
          op("Microsoft.ManagementPartner/partners/delete", "Delete ManagementPartner",
             "Delete any ManagementPartner")}}};
    return list.dump();
  }();
  return body;
}

ApiResponse ManagementPartnerApi::Handle(const ApiRequest& request) const {
  Timestamp now = Timestamp::Now();
  auto caller = Authenticate(request, now);
  if (!caller.ok()) return ErrorResponse(caller.status());
  std::string who = caller->tenant_id + "/" + caller->object_id;
  auto tagged = [&who](ApiResponse r) {
    r.caller = who;
    return r;
  };

  Route route = ParseRoute(request.path);
  if (route.kind == RouteKind::kUnknown) return tagged(ErrorResponse(UnknownPath(request.path)));
  if (route.kind == RouteKind::kUnknownUnderProvider) return tagged(ErrorResponse(UnknownResourceType(request.path)));
  if (!MethodAllowed(route.kind, request.method)) {
    ApiResponse r = ErrorResponse(MethodNotAllowed(request.method));
    r.headers.emplace_back("Allow", AllowHeader(route.kind));
    return tagged(std::move(r));
  }
  if (!request.api_version) return tagged(ErrorResponse(MissingApiVersion()));
  if (*request.api_version != kApiVersion) return tagged(ErrorResponse(InvalidApiVersion(*request.api_version)));
  // Real clients send no body; one that is sent is ignored if it is JSON, and refused if it is not.
  if (!request.body.empty() && !nlohmann::json::accept(request.body))
    return tagged(ErrorResponse(InvalidRequestContent("the body is not valid JSON.")));

  if (route.kind == RouteKind::kOperations) return tagged(Ok(OperationsListBody()));
  // Asked before any read of this request: whatever is committed after it (here or in another process on the same
  // store) makes the entries read now unusable for later requests.
  auto gen = store_.ChangeCounter();
  if (!gen.ok()) return tagged(ErrorResponse(gen.status()));
  if (Status s = CheckPrincipal(*caller, now, *gen); !s.ok()) return tagged(ErrorResponse(s));

  if (route.kind == RouteKind::kPartnersCollection) return tagged(GetOne(*caller, std::nullopt, now, *gen));
  if (request.method == "PUT") return tagged(Put(*caller, route.partner_id, request, now, *gen));
  if (request.method == "PATCH") return tagged(Patch(*caller, route.partner_id, request, now, *gen));
  if (request.method == "DELETE") return tagged(Delete(*caller, route.partner_id, request, now, *gen));
  return tagged(GetOne(*caller, route.partner_id, now, *gen));
}

std::optional<ApiResponse> ManagementPartnerApi::RefuseBody(const ApiRequest& head) const {
  auto caller = Authenticate(head, Timestamp::Now());
  if (!caller.ok()) return ErrorResponse(caller.status());
  return std::nullopt;
}

Result<VerifiedToken> ManagementPartnerApi::Authenticate(const ApiRequest& request, Timestamp now) const {
  return AuthenticateBearer(verifier_, request.authorization, now);
}

Status ManagementPartnerApi::CheckPrincipal(const VerifiedToken& caller, Timestamp now, uint64_t gen) const {
  std::string key = caller.tenant_id + "/" + caller.object_id;
  std::optional<bool> may_link = principals_.Get(key, gen);
  if (!may_link) {
    auto principal = store_.PrincipalAt(caller.tenant_id, caller.object_id, now);
    if (!principal.ok()) return principal.status();
    const auto& fact = *principal;
    may_link = fact && fact->value.enabled && fact->value.kind != PrincipalKind::kGroup;
    principals_.Put(key, *may_link, gen);
  }
  if (!*may_link) return PrincipalNotFound(caller.tenant_id, caller.object_id);
  return Status::Ok();
}

Result<std::optional<Partner>> ManagementPartnerApi::PartnerRow(const std::string& partner_id, Timestamp now,
                                                                uint64_t gen) const {
  if (auto cached = partners_.Get(partner_id, gen)) return *cached;
  auto row = store_.PartnerAt(partner_id, now);
  if (!row.ok()) return row.status();
  std::optional<Partner> partner;
  if (*row) partner = (*row)->value;
  partners_.Put(partner_id, partner, gen);
  return partner;
}

Result<Partner> ManagementPartnerApi::ValidatePartnerId(const std::string& partner_id, Timestamp now,
                                                        uint64_t gen) const {
  if (!IsPartnerIdFormat(partner_id)) return PartnerIdInvalid(kPartnerIdNotValid);
  auto row = PartnerRow(partner_id, now, gen);
  if (!row.ok()) return row.status();
  const std::string prefix = std::string(kPartnerIdNotValid) + ": ";
  if (!*row) return PartnerIdInvalid(prefix + partner_id + " is not in the partner directory.");
  const Partner& partner = **row;
  if (partner.state == PartnerState::kDeleted)
    return PartnerIdInvalid(prefix + partner_id + " (" + partner.partner_name +
                            ") has been deleted from the partner directory.");
  if (partner.level == PartnerLevel::kGlobal) {
    auto locations = store_.LocationsOf(partner_id, now);
    if (!locations.ok()) return locations.status();
    std::string message = prefix + partner_id + " is the global (PGA) Partner ID of " + partner.partner_name +
                          "; links need a location (PLA) Partner ID";
    std::string ids;
    for (const auto& location : *locations) {
      if (location.state != PartnerState::kActive) continue;
      if (!ids.empty()) ids += ", ";
      ids += location.partner_id + " (" + location.partner_name + ")";
    }
    message += ids.empty() ? ", and it has none in the directory." : ": use one of " + ids + ".";
    return PartnerIdInvalid(message);
  }
  return partner;
}

Result<std::string> ManagementPartnerApi::LinkBody(const LinkState& state, const std::optional<Partner>& partner,
                                                   Timestamp now, uint64_t gen) const {
  const Fact<PartnerLink>& link = *state.current;
  std::optional<Partner> named = partner;
  if (!named) {
    auto row = PartnerRow(link.value.partner_id, now, gen);
    if (!row.ok()) return row.status();
    named = *row;
  }
  nlohmann::json properties = {{"partnerId", link.value.partner_id}};
  if (named) properties["partnerName"] = named->partner_name;
  properties["tenantId"] = link.value.tenant_id;
  properties["objectId"] = link.value.object_id;
  properties["version"] = state.version;
  properties["createdTime"] = FormatArmTime(link.value.created_time);
  properties["updatedTime"] = FormatArmTime(link.valid.from);  // the change that opened this fact
  properties["state"] = "Active";
  nlohmann::json body = {{"id", "/providers/microsoft.managementpartner/partners/" + link.value.partner_id},
                         {"name", link.value.partner_id},
                         {"type", "Microsoft.ManagementPartner/partners"},
                         {"etag", state.version},
                         {"properties", std::move(properties)}};
  return body.dump();
}

Result<ManagementPartnerApi::RenderedLink> ManagementPartnerApi::Remember(const VerifiedToken& caller,
                                                                        const LinkState& state,
                                                                        const std::optional<Partner>& partner,
                                                                        Timestamp now, uint64_t gen) const {
  RenderedLink rendered;
  rendered.version = state.version;
  if (state.current) {
    auto body = LinkBody(state, partner, now, gen);
    if (!body.ok()) return body.status();
    rendered.partner_id = state.current->value.partner_id;
    rendered.body = std::move(*body);
  }
  links_.PutUnless(caller.tenant_id + "/" + caller.object_id, rendered, gen,
                   [&](const RenderedLink& existing) { return existing.version >= rendered.version; });
  return rendered;
}

ApiResponse ManagementPartnerApi::Put(const VerifiedToken& caller, const std::string& partner_id,
                                      const ApiRequest& request, Timestamp now, uint64_t gen) const {
  auto partner = ValidatePartnerId(partner_id, now, gen);
  if (!partner.ok()) return ErrorResponse(partner.status());
  std::optional<std::string> linked_elsewhere;
  auto state = store_.ChangeLink(caller.tenant_id, caller.object_id, now, request.request_id,
                                 [&](const LinkState& current) {
                                   linked_elsewhere.reset();  // the store may retry the decision
                                   if (!current.current) return LinkDecision{LinkDecision::Action::kCreate, partner_id};
                                   if (current.current->value.partner_id != partner_id)
                                     linked_elsewhere = current.current->value.partner_id;
                                   return LinkDecision{};  // same ID: idempotent; another ID: 409 below
                                 });
  if (!state.ok()) return ErrorResponse(state.status());
  if (linked_elsewhere) return ErrorResponse(AlreadyLinked(*linked_elsewhere));
  if (!state->current) return ErrorResponse(Status::Error(StatusCode::kInternal, "the link is missing after PUT"));
  auto rendered = Remember(caller, *state, *partner, now, gen);
  return rendered.ok() ? Ok(std::move(rendered->body)) : ErrorResponse(rendered.status());
}

ApiResponse ManagementPartnerApi::Patch(const VerifiedToken& caller, const std::string& partner_id,
                                        const ApiRequest& request, Timestamp now, uint64_t gen) const {
  auto partner = ValidatePartnerId(partner_id, now, gen);
  if (!partner.ok()) return ErrorResponse(partner.status());
  bool not_linked = false;
  auto state = store_.ChangeLink(caller.tenant_id, caller.object_id, now, request.request_id,
                                 [&](const LinkState& current) {
                                   not_linked = !current.current;
                                   if (not_linked || current.current->value.partner_id == partner_id)
                                     return LinkDecision{};
                                   return LinkDecision{LinkDecision::Action::kMove, partner_id};
                                 });
  if (!state.ok()) return ErrorResponse(state.status());
  if (not_linked || !state->current) return ErrorResponse(NotLinked());
  auto rendered = Remember(caller, *state, *partner, now, gen);
  return rendered.ok() ? Ok(std::move(rendered->body)) : ErrorResponse(rendered.status());
}

ApiResponse ManagementPartnerApi::GetOne(const VerifiedToken& caller, const std::optional<std::string>& partner_id,
                                         Timestamp now, uint64_t gen) const {
  std::optional<RenderedLink> link = links_.Get(caller.tenant_id + "/" + caller.object_id, gen);
  if (!link) {
    auto state = store_.CurrentLink(caller.tenant_id, caller.object_id);
    if (!state.ok()) return ErrorResponse(state.status());
    auto rendered = Remember(caller, *state, std::nullopt, now, gen);
    if (!rendered.ok()) return ErrorResponse(rendered.status());
    link = std::move(*rendered);
  }
  if (!link->partner_id || (partner_id && *link->partner_id != *partner_id)) return ErrorResponse(NotLinked());
  return Ok(std::move(link->body));
}

ApiResponse ManagementPartnerApi::Delete(const VerifiedToken& caller, const std::string& partner_id,
                                         const ApiRequest& request, Timestamp now, uint64_t gen) const {
  auto state = store_.ChangeLink(caller.tenant_id, caller.object_id, now, request.request_id,
                                 [&](const LinkState& current) {
                                   if (current.current && current.current->value.partner_id == partner_id)
                                     return LinkDecision{LinkDecision::Action::kDelete, {}};
                                   return LinkDecision{};  // nothing linked to that ID: still 200
                                 });
  if (!state.ok()) return ErrorResponse(state.status());
  if (auto rendered = Remember(caller, *state, std::nullopt, now, gen); !rendered.ok())
    return ErrorResponse(rendered.status());
  return Ok({});
}

}  // namespace openpal::api
