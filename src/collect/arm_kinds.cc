// The Azure Resource Manager side of `pal collect`: subscriptions, the management-group tree, custom role
// definitions, role assignments at every scope, Lighthouse registrations and the caller's own PAL link.
// See docs/collect.md for the requests and api-versions.
#include <map>
#include <set>

#include "collect/tenant_context.h"
#include "core/guid.h"

namespace openpal::collect {
namespace {

constexpr const char* kSubscriptionsApi = "2022-12-01";
constexpr const char* kManagementGroupsApi = "2020-05-01";
constexpr const char* kAuthorizationApi = "2022-04-01";
constexpr const char* kManagedServicesApi = "2022-10-01";
constexpr const char* kManagementPartnerApi = "2018-02-01";

std::string MgPath(const std::string& name) { return "/providers/Microsoft.Management/managementGroups/" + PercentEncode(name); }

void CollectSubscriptions(TenantContext& ctx) {
  KindOutcome& outcome = WriteKind(ctx, "subscriptions", [&](JsonArrayWriter& out, std::string& note) -> Status {
    Status s = ctx.arm.ForEach(std::string("/subscriptions?api-version=") + kSubscriptionsApi, [&](nlohmann::json& sub) {
      std::string id = Text(sub, "subscriptionId", "");
      if (!IsGuid(id)) return Status::Error(StatusCode::kCorruption, "a subscription without a GUID subscriptionId", "subscriptions");
      id = *NormalizeGuid(id);
      std::string owner = Text(sub, "tenantId", ctx.tenant);
      (EqualsIgnoreCase(owner, ctx.tenant) ? ctx.own_subscriptions : ctx.delegated_subscriptions).push_back(id);
      // `az account list` shape: id is the bare GUID, name the display name.
      nlohmann::json entry = {{"id", id}, {"subscriptionId", id}, {"tenantId", owner}};
      if (sub.contains("displayName")) entry["name"] = sub["displayName"];
      if (sub.contains("state")) entry["state"] = sub["state"];
      return out.Add(entry);
    });
    if (s.ok() && !ctx.delegated_subscriptions.empty())
      note = std::to_string(ctx.delegated_subscriptions.size()) +
             " subscription(s) of other tenants (Lighthouse): their registration assignments are collected";
    return s;
  });
  ctx.subscriptions_ok = outcome.written;
}

// A tree node in `az account management-group show --expand --recurse` shape, from ARM's (displayName and children
// under `properties` at the top, directly on the children).
nlohmann::json TreeNode(const nlohmann::json& node, std::vector<std::string>& groups) {
  const nlohmann::json& props = node.contains("properties") && node["properties"].is_object() ? node["properties"] : node;
  nlohmann::json out = Pick(node, {"id", "name", "type"});
  if (props.contains("displayName") && !props["displayName"].is_null()) out["displayName"] = props["displayName"];
  std::string type = Text(node, "type", "");
  if (type.find("managementGroups") != std::string::npos) groups.push_back(Text(node, "name", ""));
  nlohmann::json children = nlohmann::json::array();
  if (props.contains("children") && props["children"].is_array())
    for (const auto& c : props["children"]) children.push_back(TreeNode(c, groups));
  out["children"] = std::move(children);
  return out;
}

void CollectManagementGroups(TenantContext& ctx) {
  auto tree = ctx.arm.GetJson(MgPath(ctx.tenant) + "?api-version=" + kManagementGroupsApi +
                              "&$expand=children&$recurse=true");
  if (!tree.ok() && tree.status().code() == StatusCode::kNotFound) {
    SkipKind(ctx, "managementGroups", Status::Ok(), "no management-group hierarchy in this tenant");
    ctx.tree_ok = true;  // nothing to miss: every subscription sits under the root
    return;
  }
  if (!tree.ok()) {
    SkipKind(ctx, "managementGroups", tree.status());
    return;
  }
  std::vector<std::string> groups;
  nlohmann::json root = TreeNode(*tree, groups);
  Status s = ctx.draft.WriteJson(ctx.FilePath("managementGroups"), root);
  ctx.outcomes.push_back({ctx.tenant, "managementGroups", s.ok(), groups.size(), s, {}});
  if (s.ok()) {
    ctx.tree_ok = true;
    ctx.management_groups = std::move(groups);
  }
}

// The scopes whose listings together cover the tenant: each management group, then each subscription.
std::vector<std::string> TenantScopes(const TenantContext& ctx) {
  std::vector<std::string> scopes;
  for (const auto& mg : ctx.management_groups) scopes.push_back(MgPath(mg));
  for (const auto& sub : ctx.own_subscriptions) scopes.push_back("/subscriptions/" + sub);
  return scopes;
}

// Lists `suffix` under each scope in parallel, chunk by chunk, and writes the entries in scope order, each once
// (by `key`, lowercase): the same assignment is listed at every scope below the one it is made at.
Status ListAcrossScopes(TenantContext& ctx, const std::vector<std::string>& scopes,
                        const std::function<std::string(const std::string& scope)>& path_of,
                        const std::function<nlohmann::json(const nlohmann::json&)>& shape, const char* key,
                        const std::string& what, JsonArrayWriter& out) {
  std::set<std::string> seen;
  const size_t chunk = static_cast<size_t>(std::max(1, ctx.options.parallel)) * 4;
  for (size_t start = 0; start < scopes.size(); start += chunk) {
    size_t n = std::min(chunk, scopes.size() - start);
    std::vector<std::vector<nlohmann::json>> lists(n);
    Status s = ParallelFor(n, ctx.options.parallel, [&](size_t i) {
      return ctx.arm.ForEach(path_of(scopes[start + i]), [&](nlohmann::json& item) {
        lists[i].push_back(std::move(item));
        return Status::Ok();
      });
    });
    if (!s.ok()) return s;
    for (auto& list : lists)
      for (auto& item : list) {
        std::string k = AsciiLower(Text(item, key, ""));
        if (k.empty() || !seen.insert(k).second) continue;
        Status w = out.Add(shape(item));
        if (!w.ok()) return w;
      }
    ctx.Progress(what, out.count());
  }
  return Status::Ok();
}

Status NeedsSubscriptions(const TenantContext& ctx) {
  return Status::Error(StatusCode::kFailedPrecondition, "needs the subscription list, which could not be read");
}

void CollectRoleDefinitions(TenantContext& ctx) {
  if (!ctx.subscriptions_ok) {
    SkipKind(ctx, "roleDefinitions", NeedsSubscriptions(ctx));
    return;
  }
  WriteKind(ctx, "roleDefinitions", [&](JsonArrayWriter& out, std::string&) {
    return ListAcrossScopes(
        ctx, TenantScopes(ctx),
        [](const std::string& scope) {
          return scope + "/providers/Microsoft.Authorization/roleDefinitions?api-version=" + kAuthorizationApi +
                 "&$filter=type%20eq%20%27CustomRole%27";
        },
        [](const nlohmann::json& d) {
          // `az role definition list --custom-role-only` shape: the properties flattened, type as roleType.
          nlohmann::json out = Pick(d, {"id", "name", "type"});
          if (d.contains("properties") && d["properties"].is_object()) {
            const auto& p = d["properties"];
            for (const char* f : {"roleName", "description", "permissions", "assignableScopes"})
              if (p.contains(f) && !p[f].is_null()) out[f] = p[f];
            if (p.contains("type")) out["roleType"] = p["type"];
          }
          return out;
        },
        "name", "roleDefinitions", out);
  });
}

void CollectRoleAssignments(TenantContext& ctx) {
  if (!ctx.subscriptions_ok) {
    SkipKind(ctx, "roleAssignments", NeedsSubscriptions(ctx));
    return;
  }
  WriteKind(ctx, "roleAssignments", [&](JsonArrayWriter& out, std::string& note) {
    if (!ctx.tree_ok)
      note = "management groups not readable: assignments at groups without subscriptions are missing";
    return ListAcrossScopes(
        ctx, TenantScopes(ctx),
        [](const std::string& scope) {
          // At a subscription ARM lists the assignments at, above and below it; at a management group only
          // atScope() is allowed (at and above): together every scope of the tenant is covered.
          bool mg = scope.rfind("/providers/", 0) == 0;
          return scope + "/providers/Microsoft.Authorization/roleAssignments?api-version=" + kAuthorizationApi +
                 (mg ? "&$filter=atScope()" : "");
        },
        [](const nlohmann::json& a) {
          // `az role assignment list` shape: the properties flattened beside id, name and type.
          nlohmann::json out = Pick(a, {"id", "name", "type"});
          if (a.contains("properties") && a["properties"].is_object())
            for (const auto& [k, v] : a["properties"].items())
              if (!v.is_null()) out[k] = v;
          return out;
        },
        "id", "roleAssignments", out);
  });
}

void CollectLighthouse(TenantContext& ctx) {
  if (!ctx.subscriptions_ok) {
    SkipKind(ctx, "registrationAssignments", NeedsSubscriptions(ctx));
    return;
  }
  // Every subscription the caller sees: its own, and customers' delegated to it (the managing tenant's view).
  std::vector<std::string> subs = ctx.own_subscriptions;
  subs.insert(subs.end(), ctx.delegated_subscriptions.begin(), ctx.delegated_subscriptions.end());
  std::vector<std::vector<nlohmann::json>> definitions(subs.size()), assignments(subs.size());
  Status s = ParallelFor(subs.size(), ctx.options.parallel, [&](size_t i) {
    const std::string base = "/subscriptions/" + subs[i] + "/providers/Microsoft.ManagedServices/";
    Status d = ctx.arm.ForEach(base + "registrationDefinitions?api-version=" + kManagedServicesApi,
                               [&](nlohmann::json& x) {
                                 definitions[i].push_back(std::move(x));
                                 return Status::Ok();
                               });
    if (!d.ok()) return d;
    return ctx.arm.ForEach(base + "registrationAssignments?api-version=" + kManagedServicesApi +
                               "&$expandRegistrationDefinition=true",
                           [&](nlohmann::json& x) {
                             assignments[i].push_back(std::move(x));
                             return Status::Ok();
                           });
  });
  if (!s.ok()) {
    SkipKind(ctx, "registrationAssignments", s);
    SkipKind(ctx, "registrationDefinitions", s);
    return;
  }
  std::map<std::string, nlohmann::json> by_id;  // definitions by lowercase ID
  WriteKind(ctx, "registrationDefinitions", [&](JsonArrayWriter& out, std::string&) -> Status {
    for (auto& list : definitions)
      for (auto& d : list) {
        std::string id = AsciiLower(Text(d, "id", ""));
        if (id.empty() || by_id.count(id)) continue;
        by_id[id] = d;
        Status w = out.Add(d);
        if (!w.ok()) return w;
      }
    return Status::Ok();
  });
  WriteKind(ctx, "registrationAssignments", [&](JsonArrayWriter& out, std::string& note) -> Status {
    std::set<std::string> seen;
    size_t pending = 0;
    for (auto& list : assignments)
      for (auto& a : list) {
        std::string id = AsciiLower(Text(a, "id", ""));
        if (id.empty() || !seen.insert(id).second) continue;
        if (!a.contains("properties") || !a["properties"].is_object()) continue;
        auto& p = a["properties"];
        // Only delegations in force: one being created, deleted or failed grants nothing.
        std::string state = Text(p, "provisioningState", "Succeeded");
        if (!EqualsIgnoreCase(state, "Succeeded")) {
          ++pending;
          continue;
        }
        // The expansion is what `pal import` reads; when ARM left it out, take the definition listed beside it.
        if (!p.contains("registrationDefinition") || !p["registrationDefinition"].is_object()) {
          auto it = by_id.find(AsciiLower(Text(p, "registrationDefinitionId", "")));
          if (it == by_id.end())
            return Status::Error(StatusCode::kCorruption, "a registration assignment whose definition is neither expanded nor listed",
                                 Text(a, "id", ""));
          p["registrationDefinition"] = it->second;
        }
        Status w = out.Add(a);
        if (!w.ok()) return w;
      }
    if (pending) note = std::to_string(pending) + " assignment(s) not in state Succeeded left out";
    return Status::Ok();
  });
}

void CollectPartnerLink(TenantContext& ctx) {
  auto link = ctx.arm.GetJson(std::string("/providers/Microsoft.ManagementPartner/partners?api-version=") +
                              kManagementPartnerApi);
  // 404 = the caller is not linked. The file is still written (empty): ARM shows a caller only its own link, so
  // this file is the truth about that link, and a link removed since the last snapshot must end.
  bool linked = link.ok();
  if (!link.ok() && link.status().code() != StatusCode::kNotFound) {
    SkipKind(ctx, "partnerLinks", link.status());
    return;
  }
  WriteKind(ctx, "partnerLinks", [&](JsonArrayWriter& out, std::string& note) -> Status {
    if (!linked) {
      note = "the caller is not linked to a partner ID";
      return Status::Ok();
    }
    const nlohmann::json& p =
        link->contains("properties") && (*link)["properties"].is_object() ? (*link)["properties"] : *link;
    nlohmann::json entry = Pick(p, {"objectId", "tenantId", "partnerId", "state", "createdTime", "updatedTime"});
    if (!entry.contains("objectId") || !entry.contains("partnerId"))
      return Status::Error(StatusCode::kCorruption, "the partner link has no objectId or partnerId", "partners");
    note = "the caller's link (partner ID " + Text(entry, "partnerId", "") + ")";
    return out.Add(entry);
  });
}

}  // namespace

void CollectArm(TenantContext& ctx) {
  CollectSubscriptions(ctx);
  CollectManagementGroups(ctx);
  CollectRoleDefinitions(ctx);
  CollectRoleAssignments(ctx);
  CollectLighthouse(ctx);
  CollectPartnerLink(ctx);
}

}  // namespace openpal::collect
