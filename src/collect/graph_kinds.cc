// The Microsoft Graph v1.0 side of `pal collect`: the organization, users (deleted ones where readable), service
// principals and groups with their direct members. See docs/collect.md for the requests.
#include <set>

#include "collect/tenant_context.h"
#include "core/guid.h"

namespace openpal::collect {
namespace {

// userType and accountEnabled are returned only when selected; createdDateTime gives a user's true start.
constexpr const char* kUserSelect = "id,displayName,userPrincipalName,userType,accountEnabled,createdDateTime";
constexpr size_t kGroupBatch = 256;  // groups whose members are fetched together, in parallel

void CollectTenantInfo(TenantContext& ctx) {
  nlohmann::json info = {{"tenantId", ctx.tenant}};
  auto org = ctx.graph.GetJson("/v1.0/organization?$select=id,displayName,verifiedDomains");
  std::string note;
  if (org.ok() && org->contains("value") && (*org)["value"].is_array() && !(*org)["value"].empty()) {
    const auto& o = (*org)["value"][0];
    if (o.contains("displayName") && o["displayName"].is_string()) info["displayName"] = o["displayName"];
    if (o.contains("verifiedDomains") && o["verifiedDomains"].is_array())
      for (const auto& d : o["verifiedDomains"])
        if (Flag(d, "isDefault", false) && d.contains("name") && d["name"].is_string()) info["defaultDomain"] = d["name"];
  } else {
    note = "organization not readable (" + (org.ok() ? std::string("empty reply") : org.status().ToString()) +
           "); tenant.json has the ID only";
  }
  Status s = ctx.draft.WriteJson(ctx.FilePath("tenant"), info);
  KindOutcome out{ctx.tenant, "tenant", s.ok(), 1, s, note};
  ctx.outcomes.push_back(out);
}

void CollectUsers(TenantContext& ctx) {
  WriteKind(ctx, "users", [&](JsonArrayWriter& out, std::string& note) -> Status {
    Status s = ctx.graph.ForEach(std::string("/v1.0/users?$select=") + kUserSelect + "&$top=999",
                                 [&](nlohmann::json& u) {
                                   if (out.count() % 1000 == 0) ctx.Progress("users", out.count());
                                   return out.Add(Pick(u, {"id", "displayName", "userPrincipalName", "userType",
                                                           "accountEnabled", "createdDateTime"}));
                                 });
    if (!s.ok()) return s;
    // Deleted users (kept 30 days by Entra ID) carry the time they were deleted: their facts end then, not at asOf.
    size_t before = out.count();
    Status deleted = ctx.graph.ForEach(
        std::string("/v1.0/directory/deletedItems/microsoft.graph.user?$select=") + kUserSelect +
            ",deletedDateTime&$top=999",
        [&](nlohmann::json& u) {
          return out.Add(Pick(u, {"id", "displayName", "userPrincipalName", "userType", "accountEnabled",
                                  "createdDateTime", "deletedDateTime"}));
        });
    if (!deleted.ok()) {
      // Optional: without them a deleted user simply ends at asOf. Entries already added are still true.
      note = "deleted users not readable (" + deleted.ToString() + "); they end at asOf";
    } else if (out.count() > before) {
      note = std::to_string(out.count() - before) + " deleted user(s) with their deletedDateTime";
    }
    return Status::Ok();
  });
}

void CollectServicePrincipals(TenantContext& ctx) {
  WriteKind(ctx, "servicePrincipals", [&](JsonArrayWriter& out, std::string&) -> Status {
    return ctx.graph.ForEach(
        "/v1.0/servicePrincipals?$select=id,appId,displayName,servicePrincipalType,accountEnabled&$top=999",
        [&](nlohmann::json& sp) {
          if (out.count() % 1000 == 0) ctx.Progress("servicePrincipals", out.count());
          return out.Add(Pick(sp, {"id", "appId", "displayName", "servicePrincipalType", "accountEnabled"}));
        });
  });
}

// The direct members of one group, all pages: [{"id", "@odata.type"}] for users, groups and service principals
// (devices and contacts hold no Azure roles; other types are not directory principals).
Result<nlohmann::json> DirectMembers(TenantContext& ctx, const std::string& group_id) {
  nlohmann::json members = nlohmann::json::array();
  std::set<std::string> seen;
  Status s = ctx.graph.ForEach("/v1.0/groups/" + group_id + "/members?$select=id&$top=999", [&](nlohmann::json& m) {
    std::string type = Text(m, "@odata.type", "");
    if (type != "#microsoft.graph.user" && type != "#microsoft.graph.group" &&
        type != "#microsoft.graph.servicePrincipal")
      return Status::Ok();
    std::string id = Text(m, "id", "");
    if (seen.insert(id).second) members.push_back({{"id", id}, {"@odata.type", type}});
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return members;
}

void CollectGroups(TenantContext& ctx) {
  WriteKind(ctx, "groups", [&](JsonArrayWriter& out, std::string&) -> Status {
    std::vector<nlohmann::json> batch;
    auto flush = [&]() -> Status {
      std::vector<nlohmann::json> members(batch.size());
      Status s = ParallelFor(batch.size(), ctx.options.parallel, [&](size_t i) -> Status {
        std::string id = Text(batch[i], "id", "");
        // The ID goes into a URL path: it must be what Graph says it is.
        if (!IsGuid(id)) return Status::Error(StatusCode::kCorruption, "a group without a GUID id: '" + id + "'", "groups");
        auto m = DirectMembers(ctx, id);
        if (!m.ok()) return m.status();
        members[i] = std::move(*m);
        return Status::Ok();
      });
      if (!s.ok()) return s;
      for (size_t i = 0; i < batch.size(); ++i) {
        nlohmann::json g = Pick(batch[i], {"id", "displayName", "securityEnabled", "createdDateTime"});
        g["members"] = std::move(members[i]);
        Status w = out.Add(g);
        if (!w.ok()) return w;
      }
      batch.clear();
      ctx.Progress("groups", out.count());
      return Status::Ok();
    };
    Status s = ctx.graph.ForEach("/v1.0/groups?$select=id,displayName,securityEnabled,createdDateTime&$top=999",
                                 [&](nlohmann::json& g) {
                                   batch.push_back(std::move(g));
                                   return batch.size() >= kGroupBatch ? flush() : Status::Ok();
                                 });
    if (!s.ok()) return s;
    return flush();
  });
}

}  // namespace

void CollectGraph(TenantContext& ctx) {
  CollectTenantInfo(ctx);
  CollectUsers(ctx);
  CollectServicePrincipals(ctx);
  CollectGroups(ctx);
}

}  // namespace openpal::collect
