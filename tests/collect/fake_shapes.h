// Internal to the collect tests: the fake world's objects in the JSON shapes Graph and ARM send (shared by the
// world's hand-made snapshot and the fake server).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fake_cloud.h"

namespace openpal::collect::testing {

using json = nlohmann::json;

std::string Lower(std::string s);
std::string MgId(const std::string& name);  // "/providers/Microsoft.Management/managementGroups/{name}"
json UserJson(const FakeUser& u);           // Graph user (deletedDateTime only when deleted)
json SpJson(const FakeSp& s);               // Graph servicePrincipal
std::string AssignmentId(const FakeAssignment& a);
// "/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{role}" at a subscription or below, else
// the tenant-level form: as ARM writes roleDefinitionId.
std::string RoleDefinitionId(const std::string& scope, const std::string& role);
json RegistrationDefinitionJson(const FakeRegistration& r, const std::string& managing_name);
json RegistrationAssignmentJson(const FakeRegistration& r, const std::string& managing_name, bool expand);
std::vector<std::string> MgChain(const FakeTenant& t, std::string mg);  // lowercase, `mg` first, root last
json AzTree(const FakeTenant& t, const FakeMg& mg);  // `az account management-group show --expand --recurse`

}  // namespace openpal::collect::testing
