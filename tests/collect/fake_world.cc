// The fake world: a seeded partner and customer tenant, their JSON shapes as Graph and ARM send them, and the
// hand-made snapshot of the same world (see fake_cloud.h).
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "fake_shapes.h"

namespace openpal::collect::testing {
namespace {

const char* kContributor = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const char* kOwner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
const char* kReader = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

std::string Guid(std::mt19937& rng) {
  std::uniform_int_distribution<int> hex(0, 15);
  const char* digits = "0123456789abcdef";
  std::string g;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) g += '-';
    int d = hex(rng);
    if (i == 12) d = 4;
    if (i == 16) d = 8 + (d & 3);
    g += digits[d];
  }
  return g;
}

std::string Time(std::mt19937& rng, int year_from, int year_to) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                std::uniform_int_distribution<int>(year_from, year_to)(rng),
                std::uniform_int_distribution<int>(1, 12)(rng), std::uniform_int_distribution<int>(1, 28)(rng),
                std::uniform_int_distribution<int>(0, 23)(rng), std::uniform_int_distribution<int>(0, 59)(rng),
                std::uniform_int_distribution<int>(0, 59)(rng));
  return buf;
}

// Some days before now, as Graph writes a deletedDateTime.
std::string DaysAgo(std::mt19937& rng) {
  std::time_t t = std::time(nullptr) - std::uniform_int_distribution<int>(3600, 20 * 86400)(rng);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

bool Chance(std::mt19937& rng, double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }

template <typename T>
const T& PickOne(std::mt19937& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}



FakeTenant MakeTenant(std::mt19937& rng, const std::string& id, const std::string& display, const WorldSize& size,
                      const std::string& client_id) {
  FakeTenant t;
  t.id = id;
  t.display = display;
  t.domain = Lower(display.substr(0, display.find(' '))) + ".onmicrosoft.com";
  for (int i = 0; i < size.users + size.deleted_users; ++i) {
    FakeUser u;
    u.id = Guid(rng);
    u.name = "User " + std::to_string(i);
    u.user_type = Chance(rng, 0.1) ? "Guest" : "Member";
    u.upn = u.user_type == "Guest" ? "guest" + std::to_string(i) + "_example.com#EXT#@" + t.domain
                                   : "user" + std::to_string(i) + "@" + t.domain;
    u.enabled = !Chance(rng, 0.1);
    u.created = Time(rng, 2023, 2025);
    if (i >= size.users) u.deleted = DaysAgo(rng);
    t.users.push_back(u);
  }
  const char* sp_types[] = {"Application", "ManagedIdentity", "Legacy"};
  for (int i = 0; i < size.sps; ++i) {
    FakeSp sp{Guid(rng), Guid(rng), "App " + std::to_string(i), sp_types[i % 3], !Chance(rng, 0.05)};
    if (i == 0) {  // the collecting app's own service principal in this tenant
      sp.app_id = client_id;
      sp.type = "Application";
      sp.enabled = true;
    }
    t.sps.push_back(sp);
  }
  for (int i = 0; i < size.groups; ++i)
    t.groups.push_back({Guid(rng), "Group " + std::to_string(i), Time(rng, 2023, 2025), !Chance(rng, 0.1), {}});
  std::vector<std::string> active_users;
  for (const auto& u : t.users)
    if (u.deleted.empty()) active_users.push_back(u.id);
  for (size_t g = 0; g < t.groups.size(); ++g) {
    // A few big groups span several member pages.
    int n = g % 50 == 0 ? 250 + static_cast<int>(g) : std::uniform_int_distribution<int>(0, 12)(rng);
    std::set<std::string> seen;
    for (int k = 0; k < n; ++k) {
      int what = std::uniform_int_distribution<int>(0, 19)(rng);
      FakeMember m;
      if (what < 15) m = {PickOne(rng, active_users), "#microsoft.graph.user"};
      else if (what < 18) m = {PickOne(rng, t.sps).id, "#microsoft.graph.servicePrincipal"};
      else if (what < 19 && g > 0) m = {t.groups[std::uniform_int_distribution<size_t>(0, g - 1)(rng)].id, "#microsoft.graph.group"};
      else m = {Guid(rng), "#microsoft.graph.device"};  // devices hold no Azure roles: skipped
      if (seen.insert(m.id).second) t.groups[g].members.push_back(m);
    }
  }
  if (size.mgs > 0) {
    t.mgs.push_back({id, "Tenant Root Group", ""});
    for (int i = 1; i < size.mgs; ++i)
      t.mgs.push_back({i == 2 ? "mg.finance-" + std::to_string(i) : "mg-" + std::to_string(i), "Group " + std::to_string(i),
                       t.mgs[std::uniform_int_distribution<size_t>(0, t.mgs.size() - 1)(rng)].name});
  }
  for (int i = 0; i < size.subs; ++i)
    t.subs.push_back({Guid(rng), "Subscription " + std::to_string(i), i == 3 ? "Disabled" : "Enabled",
                      t.mgs.empty() ? "" : PickOne(rng, t.mgs).name});
  for (int i = 0; i < size.roles; ++i) {
    std::string scope = (i % 2 == 0 && !t.mgs.empty()) ? MgId(PickOne(rng, t.mgs).name)
                                                       : "/subscriptions/" + PickOne(rng, t.subs).id;
    t.roles.push_back({Guid(rng), "Custom role " + std::to_string(i), scope});
  }
  std::vector<std::pair<std::string, std::string>> principals;  // id, type
  for (const auto& u : t.users) principals.push_back({u.id, "User"});
  for (const auto& s : t.sps) principals.push_back({s.id, "ServicePrincipal"});
  for (const auto& g : t.groups) principals.push_back({g.id, "Group"});
  for (int i = 0; i < size.assignments; ++i) {
    FakeAssignment a;
    a.name = Guid(rng);
    auto [pid, ptype] = PickOne(rng, principals);
    a.principal = pid;
    a.principal_type = ptype;
    int kind = std::uniform_int_distribution<int>(0, 99)(rng);
    const FakeSub& sub = PickOne(rng, t.subs);
    std::string rg = "/subscriptions/" + sub.id + "/resourceGroups/rg-" + std::to_string(i % 17);
    if (i < 2) a.scope = "/";
    else if (kind < 5 && !t.mgs.empty()) a.scope = MgId(PickOne(rng, t.mgs).name);
    else if (kind < 35) a.scope = "/subscriptions/" + sub.id;
    else if (kind < 75) a.scope = rg;
    else a.scope = rg + "/providers/Microsoft.Compute/virtualMachines/vm-" + std::to_string(i);
    a.role = i % 7 == 0 && !t.roles.empty() ? PickOne(rng, t.roles).name
             : i % 3 == 0                   ? kOwner
             : i % 3 == 1                   ? kContributor
                                            : kReader;
    a.created = Time(rng, 2024, 2025);
    t.assignments.push_back(a);
  }
  return t;
}

}  // namespace

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string MgId(const std::string& name) { return "/providers/Microsoft.Management/managementGroups/" + name; }


json UserJson(const FakeUser& u) {
  json j = {{"id", u.id},          {"displayName", u.name},       {"userPrincipalName", u.upn},
            {"userType", u.user_type}, {"accountEnabled", u.enabled}, {"createdDateTime", u.created}};
  if (!u.deleted.empty()) j["deletedDateTime"] = u.deleted;
  return j;
}
json SpJson(const FakeSp& s) {
  return {{"id", s.id}, {"appId", s.app_id}, {"displayName", s.name}, {"servicePrincipalType", s.type},
          {"accountEnabled", s.enabled}};
}

std::string AssignmentId(const FakeAssignment& a) {
  return (a.scope == "/" ? "" : a.scope) + "/providers/Microsoft.Authorization/roleAssignments/" + a.name;
}
std::string RoleDefinitionId(const std::string& scope, const std::string& role) {
  if (scope.rfind("/subscriptions/", 0) == 0) {
    std::string sub = scope.substr(0, scope.find('/', 15) == std::string::npos ? scope.size() : scope.find('/', 15));
    return sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role;
  }
  return "/providers/Microsoft.Authorization/roleDefinitions/" + role;
}
json RegistrationDefinitionJson(const FakeRegistration& r, const std::string& managing_name) {
  json auths = json::array(), eligible = json::array();
  for (const auto& [p, role] : r.authorizations)
    auths.push_back({{"principalId", p}, {"principalIdDisplayName", "Partner principal"}, {"roleDefinitionId", role}});
  for (const auto& [p, role] : r.eligible)
    eligible.push_back({{"principalId", p},
                        {"principalIdDisplayName", "Partner admin"},
                        {"roleDefinitionId", role},
                        {"justInTimeAccessPolicy", {{"multiFactorAuthProvider", "Azure"}, {"maximumActivationDuration", "PT8H"}}}});
  return {{"id", "/subscriptions/" + r.sub + "/providers/Microsoft.ManagedServices/registrationDefinitions/" + r.definition},
          {"name", r.definition},
          {"type", "Microsoft.ManagedServices/registrationDefinitions"},
          {"properties",
           {{"registrationDefinitionName", "Managed by " + managing_name},
            {"description", "Partner operations"},
            {"managedByTenantId", r.managing_tenant},
            {"managedByTenantName", managing_name},
            {"authorizations", auths},
            {"eligibleAuthorizations", eligible},
            {"provisioningState", "Succeeded"}}}};
}
json RegistrationAssignmentJson(const FakeRegistration& r, const std::string& managing_name, bool expand) {
  json props = {{"registrationDefinitionId",
                 "/subscriptions/" + r.sub + "/providers/Microsoft.ManagedServices/registrationDefinitions/" + r.definition},
                {"provisioningState", "Succeeded"}};
  if (expand) {
    json def = RegistrationDefinitionJson(r, managing_name);
    props["registrationDefinition"] = {{"properties", def["properties"]}, {"id", def["id"]}, {"type", def["type"]},
                                       {"name", def["name"]}};
  }
  return {{"id", "/subscriptions/" + r.sub + "/providers/Microsoft.ManagedServices/registrationAssignments/" + r.assignment},
          {"name", r.assignment},
          {"type", "Microsoft.ManagedServices/registrationAssignments"},
          {"properties", props}};
}

// The management-group chain above and including `mg`, root last.
std::vector<std::string> MgChain(const FakeTenant& t, std::string mg) {
  std::vector<std::string> chain;
  while (!mg.empty()) {
    chain.push_back(Lower(mg));
    std::string parent;
    for (const auto& g : t.mgs)
      if (Lower(g.name) == Lower(mg)) parent = g.parent;
    mg = parent;
  }
  return chain;
}

namespace {
void WriteFile(const std::filesystem::path& path, const json& doc) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << doc.dump(2);
}
}  // namespace

json AzTree(const FakeTenant& t, const FakeMg& mg) {
  json children = json::array();
  for (const auto& g : t.mgs)
    if (g.parent == mg.name) children.push_back(AzTree(t, g));
  for (const auto& s : t.subs)
    if (s.mg == mg.name)
      children.push_back({{"id", "/subscriptions/" + s.id}, {"name", s.id}, {"type", "/subscriptions"}, {"displayName", s.name}});
  return {{"id", MgId(mg.name)}, {"name", mg.name}, {"type", "Microsoft.Management/managementGroups"},
          {"displayName", mg.display}, {"children", children}};
}


FakeWorld MakeWorld(uint32_t seed, const WorldSize& size) {
  std::mt19937 rng(seed);
  FakeWorld world;
  WorldSize partner_size{20, 2, 10, 5, 2, 0, 15, 1};
  world.tenants.push_back(
      MakeTenant(rng, "a0000000-0000-4000-8000-00000000000a", "Contoso Partners", partner_size, world.client_id));
  world.tenants.push_back(
      MakeTenant(rng, "c0000000-0000-4000-8000-00000000000c", "Fabrikam Customer", size, world.client_id));
  FakeTenant& partner = world.tenants[0];
  FakeTenant& customer = world.tenants[1];
  partner.caller_link = FakeLink{partner.sps[0].id, "4242424", "2025-02-01T10:00:00.1234567Z", "2025-03-01T10:00:00Z"};
  // The customer delegates three subscriptions to the partner's groups and its linked service principal.
  for (int i = 0; i < 3 && i < static_cast<int>(customer.subs.size()); ++i) {
    FakeRegistration r;
    r.sub = customer.subs[i].id;
    r.assignment = Guid(rng);
    r.definition = Guid(rng);
    r.managing_tenant = partner.id;
    r.authorizations = {{partner.sps[0].id, kContributor}, {partner.groups[i % partner.groups.size()].id, kOwner}};
    if (i == 1) r.eligible = {{partner.users[0].id, kOwner}};
    customer.registrations.push_back(r);
  }
  return world;
}

void WriteHandMadeSnapshot(const FakeWorld& world, const std::string& dir, const std::string& as_of) {
  namespace fs = std::filesystem;
  WriteFile(fs::path(dir) / "snapshot.json", {{"asOf", as_of}});
  for (const auto& t : world.tenants) {
    fs::path folder = fs::path(dir) / "tenants" / t.id;
    WriteFile(folder / "tenant.json", {{"tenantId", t.id}, {"displayName", t.display}, {"defaultDomain", t.domain}});
    json users = json::array(), sps = json::array(), groups = json::array(), subs = json::array();
    for (const auto& u : t.users) users.push_back(UserJson(u));
    for (const auto& s : t.sps) sps.push_back(SpJson(s));
    for (const auto& g : t.groups) {
      json members = json::array();
      for (const auto& m : g.members) members.push_back({{"id", m.id}, {"@odata.type", m.type}});
      groups.push_back({{"id", g.id}, {"displayName", g.name}, {"securityEnabled", g.security},
                        {"createdDateTime", g.created}, {"members", members}});
    }
    for (const auto& s : t.subs) subs.push_back({{"id", s.id}, {"name", s.name}, {"state", s.state}, {"tenantId", t.id}});
    WriteFile(folder / "users.json", users);
    WriteFile(folder / "servicePrincipals.json", sps);
    WriteFile(folder / "groups.json", groups);
    WriteFile(folder / "subscriptions.json", subs);
    if (!t.mgs.empty()) WriteFile(folder / "managementGroups.json", AzTree(t, t.mgs[0]));
    json assignments = json::array(), roles = json::array(), registrations = json::array();
    for (const auto& a : t.assignments)
      assignments.push_back({{"id", AssignmentId(a)},
                             {"name", a.name},
                             {"principalId", a.principal},
                             {"principalType", a.principal_type},
                             {"roleDefinitionId", RoleDefinitionId(a.scope, a.role)},
                             {"scope", a.scope},
                             {"createdOn", a.created}});
    for (const auto& r : t.roles)
      roles.push_back({{"name", r.name}, {"roleName", r.role_name}, {"roleType", "CustomRole"},
                       {"permissions", json::array({{{"actions", json::array({"*/read"})}}})}});
    // Lighthouse as `az managedservices assignment list` shows it in each tenant: the customer's own, and in the
    // managing tenant the ones delegated to it.
    for (const auto& owner : world.tenants)
      for (const auto& r : owner.registrations)
        if (owner.id == t.id || r.managing_tenant == t.id)
          registrations.push_back(RegistrationAssignmentJson(r, world.tenants[0].display, true));
    WriteFile(folder / "roleAssignments.json", assignments);
    WriteFile(folder / "roleDefinitions.json", roles);
    WriteFile(folder / "registrationAssignments.json", registrations);
    json links = json::array();
    if (t.caller_link)
      links.push_back({{"objectId", t.caller_link->object_id}, {"tenantId", t.id}, {"partnerId", t.caller_link->partner_id},
                       {"state", "Active"}, {"createdTime", t.caller_link->created}, {"updatedTime", t.caller_link->updated}});
    WriteFile(folder / "partnerLinks.json", links);
  }
}

}  // namespace openpal::collect::testing
