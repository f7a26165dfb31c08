// Writes a large synthetic directory snapshot for the import benchmark: by default 1,000,000 role assignments
// and 200,000 principals (users, service principals, groups with memberships), subscriptions and an MG tree,
// spread over 4 tenants. Deterministic (fixed seed). Usage: import_snapshot_gen OUT_DIR [ASSIGNMENTS] [PRINCIPALS]
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

std::string Guid(uint32_t kind, uint32_t tenant, uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8000-%012" PRIx64, kind, tenant, static_cast<unsigned>(n >> 48) & 0xfff,
                static_cast<uint64_t>(n & 0xffffffffffffULL));
  return buf;
}

FILE* Create(const std::filesystem::path& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::perror(path.c_str());
    std::exit(1);
  }
  return f;
}

const char* kRoles[][2] = {{"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"},
                           {"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"},
                           {"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"},
                           {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"}};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [ASSIGNMENTS=1000000] [PRINCIPALS=200000]\n", argv[0]);
    return 2;
  }
  namespace fs = std::filesystem;
  fs::path out = argv[1];
  const uint64_t assignments = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  const uint64_t principals = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 200000;
  const uint32_t tenants = 4;
  const uint64_t subs_per_tenant = 500;
  std::mt19937_64 rng(42);
  fs::remove_all(out);
  fs::create_directories(out);
  FILE* f = Create(out / "snapshot.json");
  std::fprintf(f, "{\"asOf\": \"2026-07-01T00:00:00Z\"}\n");
  std::fclose(f);

  for (uint32_t t = 1; t <= tenants; ++t) {
    std::string tenant = Guid(0x10000000, t, 0);
    fs::path dir = out / "tenants" / tenant;
    fs::create_directories(dir);
    f = Create(dir / "tenant.json");
    std::fprintf(f, "{\"tenantId\": \"%s\", \"displayName\": \"Bench tenant %u\"}\n", tenant.c_str(), t);
    std::fclose(f);
    // Principals of this tenant: 70% users, 20% service principals, 10% groups.
    const uint64_t count = principals / tenants;
    const uint64_t users = count * 7 / 10, sps = count * 2 / 10, groups = count - users - sps;
    f = Create(dir / "users.json");
    std::fprintf(f, "{\"@odata.context\": \"https://graph.microsoft.com/v1.0/$metadata#users\", \"value\": [\n");
    for (uint64_t i = 0; i < users; ++i)
      std::fprintf(f,
                   "%s{\"id\": \"%s\", \"displayName\": \"User %" PRIu64 "\", \"userPrincipalName\": \"user%" PRIu64
                   "@bench%u.example.com\", \"userType\": \"%s\", \"accountEnabled\": %s, \"createdDateTime\": "
                   "\"2025-%02d-%02dT10:00:00Z\", \"mail\": null, \"jobTitle\": null}\n",
                   i ? "," : "", Guid(0x30000000, t, i).c_str(), i, i, t, i % 10 == 0 ? "Guest" : "Member",
                   i % 50 == 0 ? "false" : "true", static_cast<int>(1 + i % 12), static_cast<int>(1 + i % 28));
    std::fprintf(f, "]}\n");
    std::fclose(f);
    f = Create(dir / "servicePrincipals.json");
    std::fprintf(f, "[\n");
    for (uint64_t i = 0; i < sps; ++i)
      std::fprintf(f,
                   "%s{\"id\": \"%s\", \"appId\": \"%s\", \"displayName\": \"app-%" PRIu64
                   "\", \"servicePrincipalType\": \"%s\", \"accountEnabled\": true, \"createdDateTime\": "
                   "\"2025-03-01T00:00:00Z\"}\n",
                   i ? "," : "", Guid(0x40000000, t, i).c_str(), Guid(0x41000000, t, i).c_str(), i,
                   i % 4 == 0 ? "ManagedIdentity" : "Application");
    std::fprintf(f, "]\n");
    std::fclose(f);
    f = Create(dir / "groups.json");
    std::fprintf(f, "[\n");
    for (uint64_t i = 0; i < groups; ++i) {
      std::fprintf(f, "%s{\"id\": \"%s\", \"displayName\": \"group-%" PRIu64 "\", \"securityEnabled\": true, \"members\": [",
                   i ? "," : "", Guid(0x50000000, t, i).c_str(), i);
      for (int m = 0; m < 10; ++m) {
        uint64_t pick = rng() % (users + sps + 1);
        bool nested = m == 9 && i > 0;
        std::string id = nested ? Guid(0x50000000, t, rng() % i)
                                : pick < users ? Guid(0x30000000, t, pick) : Guid(0x40000000, t, pick % sps);
        const char* type = nested ? "group" : pick < users ? "user" : "servicePrincipal";
        std::fprintf(f, "%s{\"id\": \"%s\", \"@odata.type\": \"#microsoft.graph.%s\"}", m ? "," : "", id.c_str(), type);
      }
      std::fprintf(f, "]}\n");
    }
    std::fprintf(f, "]\n");
    std::fclose(f);
    // Subscriptions under a two-level management-group tree of 10 groups.
    f = Create(dir / "subscriptions.json");
    std::fprintf(f, "[\n");
    for (uint64_t s = 0; s < subs_per_tenant; ++s)
      std::fprintf(f, "%s{\"id\": \"%s\", \"name\": \"sub-%" PRIu64 "\", \"state\": \"Enabled\", \"tenantId\": \"%s\"}\n",
                   s ? "," : "", Guid(0x20000000, t, s).c_str(), s, tenant.c_str());
    std::fprintf(f, "]\n");
    std::fclose(f);
    f = Create(dir / "managementGroups.json");
    std::fprintf(f, "{\"name\": \"%s\", \"type\": \"Microsoft.Management/managementGroups\", \"children\": [", tenant.c_str());
    for (int g = 0; g < 10; ++g) {
      std::fprintf(f, "%s{\"name\": \"mg-%d\", \"type\": \"Microsoft.Management/managementGroups\", \"children\": [",
                   g ? "," : "", g);
      bool first = true;
      for (uint64_t s = g; s < subs_per_tenant; s += 10) {
        std::fprintf(f, "%s{\"name\": \"%s\", \"type\": \"/subscriptions\"}", first ? "" : ",",
                     Guid(0x20000000, t, s).c_str());
        first = false;
      }
      std::fprintf(f, "]}");
    }
    std::fprintf(f, "]}\n");
    std::fclose(f);
    // Role assignments as az role assignment list writes them, at subscription, resource-group and resource scope.
    f = Create(dir / "roleAssignments.json");
    std::fprintf(f, "[\n");
    const uint64_t n = assignments / tenants;
    for (uint64_t i = 0; i < n; ++i) {
      std::string sub = Guid(0x20000000, t, rng() % subs_per_tenant);
      char scope[300];
      switch (i % 3) {
        case 0: std::snprintf(scope, sizeof scope, "/subscriptions/%s", sub.c_str()); break;
        case 1: std::snprintf(scope, sizeof scope, "/subscriptions/%s/resourceGroups/rg-%" PRIu64, sub.c_str(), i % 97); break;
        default:
          std::snprintf(scope, sizeof scope,
                        "/subscriptions/%s/resourceGroups/rg-%" PRIu64 "/providers/Microsoft.Storage/storageAccounts/st%" PRIu64,
                        sub.c_str(), i % 97, i);
      }
      uint64_t who = rng() % count;
      std::string principal = who < users ? Guid(0x30000000, t, who)
                              : who < users + sps ? Guid(0x40000000, t, who - users)
                                                  : Guid(0x50000000, t, who - users - sps);
      const char* type = who < users ? "User" : who < users + sps ? "ServicePrincipal" : "Group";
      const auto& role = kRoles[rng() % 4];
      std::string name = Guid(0x60000000, t, i);
      std::fprintf(f,
                   "%s{\"condition\": null, \"conditionVersion\": null, \"createdBy\": null, \"createdOn\": "
                   "\"2025-%02d-%02dT%02d:00:00.000000+00:00\", \"delegatedManagedIdentityResourceId\": null, "
                   "\"description\": null, \"id\": \"%s/providers/Microsoft.Authorization/roleAssignments/%s\", \"name\": "
                   "\"%s\", \"principalId\": \"%s\", \"principalType\": \"%s\", \"roleDefinitionId\": "
                   "\"/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s\", \"roleDefinitionName\": "
                   "\"%s\", \"scope\": \"%s\", \"type\": \"Microsoft.Authorization/roleAssignments\"}\n",
                   i ? "," : "", static_cast<int>(1 + i % 12), static_cast<int>(1 + i % 28), static_cast<int>(i % 24),
                   scope, name.c_str(), name.c_str(), principal.c_str(), type, sub.c_str(), role[0], role[1], scope);
    }
    std::fprintf(f, "]\n");
    std::fclose(f);
  }
  std::printf("wrote %s: %" PRIu64 " role assignments, %" PRIu64 " principals, %u tenants\n", out.c_str(), assignments,
              principals, tenants);
  return 0;
}
