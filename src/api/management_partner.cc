// Microsoft.ManagementPartner routes and link behaviour (link-api.md "Routes" and "Behaviour").
#include "api/management_partner.h"

#include <nlohmann/json.hpp>

#include "api/arm_errors.h"
#include "core/guid.h"

namespace openpal::api {
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

std::vector<Route> ManagementPartnerApi::Routes() const {
  constexpr const char* kProvider = "/providers/microsoft.managementpartner";
  const std::string partners = std::string(kProvider) + "/partners";
  auto to = [this](Action action) { return [this, action](const RouteCall& call) { return Answer(call, action); }; };
  return {
      {"GET", std::string(kProvider) + "/operations", Auth::kToken, false, to(Action::kOperations)},
      {"GET", partners, Auth::kToken, false, to(Action::kMine)},
      {"GET", partners + "/{partnerId}", Auth::kToken, false, to(Action::kGet)},
      {"PUT", partners + "/{partnerId}", Auth::kToken, true, to(Action::kPut)},
      {"PATCH", partners + "/{partnerId}", Auth::kToken, true, to(Action::kPatch)},
      {"DELETE", partners + "/{partnerId}", Auth::kToken, true, to(Action::kDelete)},
      // Anything else under the provider is an unknown resource type; anything else at all an unknown path.
      {"*", std::string(kProvider) + "/**", Auth::kToken, false,
       [](const RouteCall& call) { return ErrorResponse(UnknownResourceType(call.request.path)); }},
      {"*", "/**", Auth::kToken, false,
       [](const RouteCall& call) { return ErrorResponse(UnknownPath(call.request.path)); }},
  };
}

ApiResponse ManagementPartnerApi::Answer(const RouteCall& call, Action action) const {
  const ApiRequest& request = call.request;
  const VerifiedToken& caller = *call.caller;
  Timestamp now = call.now;
  if (!request.api_version) return ErrorResponse(MissingApiVersion());
  if (*request.api_version != kApiVersion) return ErrorResponse(InvalidApiVersion(*request.api_version));
  // Real clients send no body; one that is sent is ignored if it is JSON, and refused if it is not.
  if (!request.body.empty() && !nlohmann::json::accept(request.body))
    return ErrorResponse(InvalidRequestContent("the body is not valid JSON."));

  if (action == Action::kOperations) return JsonResponse(OperationsListBody());
  // Asked before any read of this request: whatever is committed after it (here or in another process on the same
  // store) makes the entries read now unusable for later requests.
  auto gen = store_.ChangeCounter();
  if (!gen.ok()) return ErrorResponse(gen.status());
  if (Status s = CheckPrincipal(caller, now, *gen); !s.ok()) return ErrorResponse(s);

  switch (action) {
    case Action::kMine: return GetOne(caller, std::nullopt, now, *gen);
    case Action::kPut: return Put(caller, call.params[0], request, now, *gen);
    case Action::kPatch: return Patch(caller, call.params[0], request, now, *gen);
    case Action::kDelete: return Delete(caller, call.params[0], request, now, *gen);
    default: return GetOne(caller, call.params[0], now, *gen);
  }
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
  return rendered.ok() ? JsonResponse(std::move(rendered->body)) : ErrorResponse(rendered.status());
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
  return rendered.ok() ? JsonResponse(std::move(rendered->body)) : ErrorResponse(rendered.status());
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
  return JsonResponse(std::move(link->body));
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
  return JsonResponse({});
}

}  // namespace openpal::api
