// Fuzzes each per-tenant snapshot file reader (src/ingest/tenant_files.cc) through JsonFile, as `pal import` reads
// them. The first byte picks the reader (users, servicePrincipals, groups, subscriptions, managementGroups,
// roleAssignments, roleDefinitions, registrationAssignments, partnerLinks); the rest is the file.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "ingest/json_file.h"
#include "ingest/tenant_files.h"

using namespace openpal;
using namespace openpal::ingest;

namespace {

constexpr const char* kTenant = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr const char* kNames[] = {"users.json",          "servicePrincipals.json", "groups.json",
                                  "subscriptions.json",  "managementGroups.json",  "roleAssignments.json",
                                  "roleDefinitions.json", "registrationAssignments.json", "partnerLinks.json"};
constexpr size_t kReaders = sizeof(kNames) / sizeof(kNames[0]);

Status Read(size_t which, JsonFile& file) {
  const TenantId tenant = kTenant;
  switch (which) {
    case 0:
    case 1:
    case 2: {
      PrincipalKind kind = which == 0   ? PrincipalKind::kUser
                           : which == 1 ? PrincipalKind::kServicePrincipal
                                        : PrincipalKind::kGroup;
      std::vector<PrincipalEntry> out;
      std::vector<GroupMembership> memberships;
      return ReadPrincipals(file, tenant, kind, out, which == 2 ? &memberships : nullptr, nullptr);
    }
    case 3: {
      std::vector<SubscriptionEntry> out;
      return ReadSubscriptions(file, tenant, out);
    }
    case 4: {
      ManagementTree tree;
      Status s = ReadManagementTree(file, tenant, tree);
      if (s.ok() && !tree.groups.empty() && !tree.groups.front().parent_group_id.empty())
        fuzz::Violated("the management tree's first group is not the root");
      return s;
    }
    case 5: {
      std::vector<RoleAssignmentEntry> out;
      return ReadRoleAssignments(file, tenant, out, nullptr);
    }
    case 6: {
      std::vector<CustomRole> out;
      return ReadCustomRoles(file, tenant, out);
    }
    case 7: {
      std::vector<LighthouseAuthorization> out;
      return ReadRegistrationAssignments(file, tenant, out);
    }
    default: {
      std::vector<LinkEntry> out;
      return ReadPartnerLinks(file, tenant, out);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static fuzz::MemFile memory("snapshot.json");
  size_t which = data[0] % kReaders;
  const std::string& path = memory.Write(data + 1, size - 1);
  auto file = JsonFile::Open(path, kNames[which]);
  if (!file.ok()) return 0;
  Status s = Read(which, **file);
  if (!s.ok() && s.message().empty()) fuzz::Violated("an error without a message");
  return 0;
}
