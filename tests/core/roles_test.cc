// The built-in role catalogue (generated from data/builtin_roles.csv), role policies and AdminType order.
#include "core/roles.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace openpal {
namespace {

TEST(BuiltInRoles, CatalogueHasEveryAzureBuiltInRole) {
  // 732 roles in `az role definition list` (2025-08-06); every PEC-table role is among them.
  EXPECT_EQ(BuiltInRoleCount(), 732u);
}

TEST(BuiltInRoles, WellKnownRolesAndTheirPec) {
  struct Case {
    std::string_view guid;
    const char* name;
    PecEligibility pec;
  };
  const Case cases[] = {
      {kOwnerRole, "Owner", PecEligibility::kYes},
      {kContributorRole, "Contributor", PecEligibility::kYes},
      {kReaderRole, "Reader", PecEligibility::kNo},
      {kUserAccessAdministratorRole, "User Access Administrator", PecEligibility::kYes},
      {"cfd33db0-3dd1-45e3-aa9d-cdbdf3b6f24e", "Support Request Contributor", PecEligibility::kYes},
      {"7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull", PecEligibility::kYes},  // "ACRPull" in the PEC doc
      {"fa23ad8b-c56e-40d8-ac0c-ce449e1d2c64", "Billing Reader", PecEligibility::kNo},
      // Not in the PEC table: unknown, not "no".
      {"f58310d9-a9f6-439a-9e8d-f62e7b41a168", "Role Based Access Control Administrator", PecEligibility::kUnknown},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const BuiltInRole* role = FindBuiltInRole(c.guid);
    ASSERT_NE(role, nullptr);
    EXPECT_EQ(role->guid, c.guid);
    EXPECT_EQ(role->name, c.name);
    EXPECT_EQ(role->pec, c.pec);
  }
}

TEST(BuiltInRoles, LookupIgnoresCaseAndBraces) {
  const BuiltInRole* upper = FindBuiltInRole("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635");
  ASSERT_NE(upper, nullptr);
  EXPECT_EQ(upper->name, "Owner");
  EXPECT_EQ(FindBuiltInRole("{8e3af657-a8ff-443c-a75c-2fe8c4bcb635}"), upper);
  EXPECT_EQ(FindBuiltInRole("00000000-0000-0000-0000-000000000000"), nullptr);
  EXPECT_EQ(FindBuiltInRole("Owner"), nullptr);
  EXPECT_EQ(FindBuiltInRole(""), nullptr);
}

TEST(BuiltInRoles, TrailingSpaceInAzureNameIsTrimmed) {
  // Azure names this role "Azure Arc VMware Administrator role " (trailing space).
  const BuiltInRole* role = FindBuiltInRole("ddc140ed-e463-4246-9145-7c664192013f");
  ASSERT_NE(role, nullptr);
  EXPECT_EQ(role->name, "Azure Arc VMware Administrator role");
}

TEST(BuiltInRoles, EveryCsvRowResolvesAndPecCountsMatchMicrosoftsTables) {
  // The generated table must agree row for row with data/builtin_roles.csv, and the PEC column with
  // Microsoft's PEC tables (docs/core.md "Roles"): 98 roles marked Yes, 24 marked No.
  std::ifstream csv(OPENPAL_ROLES_CSV);
  ASSERT_TRUE(csv) << OPENPAL_ROLES_CSV;
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "guid,name,pec");
  size_t rows = 0, yes = 0, no = 0;
  while (std::getline(csv, line)) {
    const size_t first = line.find(','), last = line.rfind(',');
    ASSERT_NE(first, last) << line;
    const std::string guid = line.substr(0, first), name = line.substr(first + 1, last - first - 1);
    const std::string pec = line.substr(last + 1);
    const BuiltInRole* role = FindBuiltInRole(guid);
    ASSERT_NE(role, nullptr) << line;
    EXPECT_EQ(role->name, name);
    EXPECT_EQ(PecEligibilityName(role->pec), pec);
    ++rows;
    yes += pec == "yes";
    no += pec == "no";
  }
  EXPECT_EQ(rows, BuiltInRoleCount());
  EXPECT_EQ(yes, 98u);
  EXPECT_EQ(no, 24u);
}

TEST(RolePolicy, AllPassesEveryRolePecOnlyYes) {
  EXPECT_TRUE(RolePolicy::All().Passes(std::string(kReaderRole)));
  EXPECT_TRUE(RolePolicy::All().Passes("not even a guid"));
  EXPECT_EQ(RolePolicy::All().Describe(), "all");
  const RolePolicy pec = RolePolicy::Pec();
  EXPECT_EQ(pec.Describe(), "pec");
  EXPECT_TRUE(pec.Passes(std::string(kOwnerRole)));
  EXPECT_TRUE(pec.Passes("B24988AC-6180-42A0-AB88-20F7382DD24C"));
  EXPECT_FALSE(pec.Passes(std::string(kReaderRole)));
  EXPECT_FALSE(pec.Passes("f58310d9-a9f6-439a-9e8d-f62e7b41a168"));  // unknown is not yes
  EXPECT_FALSE(pec.Passes("99999999-9999-9999-9999-999999999999"));  // custom roles are not built-in
}

TEST(RolePolicy, FromTextReadsGuidsDefinitionIdsCommentsAndBlankLines) {
  const std::string text =
      "# roles our partner program recognises\n"
      "8e3af657-a8ff-443c-a75c-2fe8c4bcb635   # Owner\n"
      "\n"
      "   \t\r\n"
      "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/"
      "B24988AC-6180-42A0-AB88-20F7382DD24C\r\n"
      "/providers/Microsoft.Authorization/roleDefinitions/99999999-9999-9999-9999-999999999999";  // no final newline
  auto policy = RolePolicy::FromText(text, "policy.txt");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(policy->Describe(), "file (3 roles)");
  EXPECT_TRUE(policy->Passes(std::string(kOwnerRole)));
  EXPECT_TRUE(policy->Passes(std::string(kContributorRole)));
  EXPECT_TRUE(policy->Passes("99999999-9999-9999-9999-999999999999"));  // a custom role may be listed
  EXPECT_TRUE(policy->Passes("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"));
  EXPECT_FALSE(policy->Passes(std::string(kReaderRole)));
}

TEST(RolePolicy, ErrorsNameOriginAndLine) {
  auto bad = RolePolicy::FromText("# header\n8e3af657-a8ff-443c-a75c-2fe8c4bcb635\nOwner\n", "policy.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(bad.status().where(), "policy.txt:3");
  EXPECT_EQ(bad.status().ToString().rfind("policy.txt:3: not a role GUID", 0), 0u) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find("\"Owner\""), std::string::npos);

  auto two_on_a_line = RolePolicy::FromText(
      "8e3af657-a8ff-443c-a75c-2fe8c4bcb635 b24988ac-6180-42a0-ab88-20f7382dd24c\n", "p");
  EXPECT_FALSE(two_on_a_line.ok());
  EXPECT_EQ(two_on_a_line.status().where(), "p:1");
}

TEST(RolePolicy, AFileNamingNoRoleIsAnError) {
  // It would refuse every credit: almost certainly the wrong file.
  for (const char* text : {"", "\n\n", "# only comments\n  # and more\n"}) {
    auto p = RolePolicy::FromText(text, "empty.txt");
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.status().where(), "empty.txt");
  }
}

TEST(AdminType, OwnerThenContributorThenUserAccessAdministratorThenAlphabetical) {
  EXPECT_TRUE(AdminTypeRanksAbove("Owner", "Contributor"));
  EXPECT_TRUE(AdminTypeRanksAbove("Contributor", "User Access Administrator"));
  EXPECT_TRUE(AdminTypeRanksAbove("User Access Administrator", "AcrPull"));
  EXPECT_TRUE(AdminTypeRanksAbove("owner", "CONTRIBUTOR"));          // case-insensitive
  EXPECT_TRUE(AdminTypeRanksAbove("Backup Operator", "acrpull") == false);
  EXPECT_TRUE(AdminTypeRanksAbove("acrpull", "Backup Operator"));  // A-Z ignoring case
  EXPECT_TRUE(AdminTypeRanksAbove("Reader", "Support Request Contributor"));
  EXPECT_FALSE(AdminTypeRanksAbove("Owner", "owner"));             // irreflexive
  EXPECT_FALSE(AdminTypeRanksAbove("Reader", "reader"));
  EXPECT_FALSE(AdminTypeRanksAbove("Contributor", "Owner"));

  std::vector<std::string> names = {"Reader", "User Access Administrator", "acrpull", "Owner", "Backup Operator",
                                    "Contributor", "Storage Blob Data Owner"};
  std::sort(names.begin(), names.end(), AdminTypeRanksAbove);
  EXPECT_EQ(names, (std::vector<std::string>{"Owner", "Contributor", "User Access Administrator", "acrpull",
                                             "Backup Operator", "Reader", "Storage Blob Data Owner"}));
}

}  // namespace
}  // namespace openpal
