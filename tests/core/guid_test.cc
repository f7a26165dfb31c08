// GUID recognition and canonical form, role definition IDs, v4 generation, and the ASCII case helpers.
#include "core/guid.h"

#include <set>

#include <gtest/gtest.h>

namespace openpal {
namespace {

TEST(Guid, RecognizesTheEightFourFourFourTwelveForm) {
  EXPECT_TRUE(IsGuid("8e3af657-a8ff-443c-a75c-2fe8c4bcb635"));
  EXPECT_TRUE(IsGuid("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"));
  EXPECT_TRUE(IsGuid("{8e3af657-a8ff-443c-a75c-2fe8c4bcb635}"));
  for (const char* bad : {"", "8e3af657a8ff443ca75c2fe8c4bcb635", "8e3af657-a8ff-443c-a75c-2fe8c4bcb63",
                          "8e3af657-a8ff-443c-a75c-2fe8c4bcb6355", "8e3af657-a8ff-443c-a75c_2fe8c4bcb635",
                          "ge3af657-a8ff-443c-a75c-2fe8c4bcb635", "{8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
                          " 8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "(8e3af657-a8ff-443c-a75c-2fe8c4bcb635)"}) {
    EXPECT_FALSE(IsGuid(bad)) << bad;
  }
}

TEST(Guid, NormalizesToLowercaseWithoutBraces) {
  EXPECT_EQ(NormalizeGuid("{8E3AF657-A8FF-443C-A75C-2FE8C4BCB635}"), "8e3af657-a8ff-443c-a75c-2fe8c4bcb635");
  EXPECT_EQ(NormalizeGuid("not a guid"), std::nullopt);
}

TEST(Guid, RoleGuidFromEveryFormOfRoleDefinitionId) {
  const std::string owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
  EXPECT_EQ(RoleGuidFromDefinitionId(owner), owner);
  EXPECT_EQ(RoleGuidFromDefinitionId("/providers/Microsoft.Authorization/roleDefinitions/" + owner), owner);
  EXPECT_EQ(RoleGuidFromDefinitionId("/subscriptions/00000000-0000-0000-0000-000000000001/providers/"
                                     "Microsoft.Authorization/roleDefinitions/8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"),
            owner);
  EXPECT_EQ(RoleGuidFromDefinitionId("/providers/microsoft.authorization/roledefinitions/" + owner), owner);
  // The GUID of a path that is not a role definition is not a role.
  EXPECT_EQ(RoleGuidFromDefinitionId("/subscriptions/" + owner), std::nullopt);
  EXPECT_EQ(RoleGuidFromDefinitionId("/providers/Microsoft.Authorization/roleDefinitions/"), std::nullopt);
  EXPECT_EQ(RoleGuidFromDefinitionId("/providers/Microsoft.Authorization/roleDefinitions/Owner"), std::nullopt);
  EXPECT_EQ(RoleGuidFromDefinitionId(""), std::nullopt);
  EXPECT_EQ(RoleGuidFromDefinitionId("/"), std::nullopt);
}

TEST(Guid, NewGuidIsCanonicalVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::string g = NewGuid();
    ASSERT_TRUE(IsGuid(g)) << g;
    ASSERT_EQ(NormalizeGuid(g), g);
    ASSERT_EQ(g[14], '4') << g;                                // version nibble
    ASSERT_NE(std::string("89ab").find(g[19]), std::string::npos) << g;  // RFC 4122 variant
    ASSERT_TRUE(seen.insert(g).second) << "duplicate " << g;
  }
}

TEST(AsciiCase, LowerAndCompareTouchOnlyAscii) {
  EXPECT_EQ(AsciiLower(std::string_view("ResourceGroups/RG-1")), "resourcegroups/rg-1");
  EXPECT_EQ(AsciiLower(std::string("ResourceGroups/RG-1")), "resourcegroups/rg-1");  // in place
  EXPECT_EQ(AsciiLower(std::string_view("\xc3\x89t\xc3\xa9")), "\xc3\x89t\xc3\xa9");  // UTF-8 bytes untouched
  EXPECT_TRUE(EqualsIgnoreCase("Microsoft.Storage", "microsoft.storage"));
  EXPECT_FALSE(EqualsIgnoreCase("rg1", "rg10"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
}

}  // namespace
}  // namespace openpal
