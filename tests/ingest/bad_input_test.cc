// Bad input: each error names the file, the line and JSON path, and what was expected; the store is unchanged.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "snapshot_fixture.h"

namespace openpal::ingest::testing {
namespace {

namespace fs = std::filesystem;
const std::string kBase = std::string(OPENPAL_TEST_DATA) + "/snapshots/base";
const std::string kA = "tenants/" + kTenantA + "/";

// The base fixture imported at 2026-07-01, and a copy of it at 2026-08-01 ("next") to spoil.
class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(kBase, w.Dir("base"), fs::copy_options::recursive);
    fs::copy(kBase, w.Dir("next"), fs::copy_options::recursive);
    w.Write("next", "snapshot.json", "{\"asOf\": \"2026-08-01T00:00:00Z\"}");
    auto first = w.Import("base");
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    before = w.Fingerprint();
  }
  // Imports "next" expecting failure; returns the message, having checked the store did not change.
  std::string ImportFails(const std::string& snapshot = "next") {
    auto result = w.Import(snapshot);
    EXPECT_FALSE(result.ok()) << "expected an error";
    EXPECT_EQ(w.Fingerprint(), before) << "the store changed";
    return result.ok() ? "" : result.status().ToString();
  }
  SnapshotWorld w;
  std::string before;
};

struct BadCase {
  const char* name;
  std::string file;     // relative to the snapshot
  std::string content;
  std::string expected;  // a substring of the error: the place and what was expected
};

TEST_F(BadInput, EachErrorNamesFileLineAndPathAndLeavesTheStoreUnchanged) {
  const std::string ra_head = "[\n  {\n    \"name\": \"" + kRa1 + "\",\n";
  const std::vector<BadCase> cases = {
      {"invalid JSON (missing comma)", kA + "users.json",
       "[\n  {\"id\": \"" + kUser1 + "\",\n   \"displayName\": \"x\"\n   \"userType\": \"Member\"}\n]",
       kA + "users.json:4: $[0]: invalid JSON"},  // where the comma was missing
      {"invalid JSON (truncated)", kA + "servicePrincipals.json", "[\n  {\"id\": \"" + kUser1 + "\",\n",
       kA + "servicePrincipals.json:"},
      {"bad GUID", kA + "roleAssignments.json",
       ra_head + "    \"principalId\": \"not-a-guid\",\n    \"principalType\": \"User\",\n    \"roleDefinitionId\": \"" +
           kContributor + "\",\n    \"scope\": \"/subscriptions/" + kSub1 + "\"\n  }\n]",
       kA + "roleAssignments.json:4: $[0].principalId: not a GUID: 'not-a-guid'"},
      {"bad scope", kA + "roleAssignments.json",
       ra_head + "    \"principalId\": \"" + kUser1 + "\",\n    \"principalType\": \"User\",\n    \"roleDefinitionId\": \"" +
           kContributor + "\",\n    \"scope\": \"/subscriptions//resourceGroups/rg\"\n  }\n]",
       kA + "roleAssignments.json:7: $[0].scope:"},
      {"unknown principal type", kA + "roleAssignments.json",
       ra_head + "    \"principalId\": \"" + kUser1 + "\",\n    \"principalType\": \"Robot\",\n    \"roleDefinitionId\": \"" +
           kContributor + "\",\n    \"scope\": \"/subscriptions/" + kSub1 + "\"\n  }\n]",
       kA + "roleAssignments.json:5: $[0].principalType: unknown principal type 'Robot'"},
      {"unknown group member type", kA + "groups.json",
       "[{\"id\": \"" + kGroup1 + "\",\n  \"members\": [\n    {\"id\": \"" + kUser1 +
           "\", \"@odata.type\": \"#microsoft.graph.robot\"}]}]",
       kA + "groups.json:3: $[0].members[0].@odata.type: unknown principal type '#microsoft.graph.robot'"},
      {"missing required field", kA + "roleAssignments.json",
       ra_head + "    \"principalType\": \"User\",\n    \"roleDefinitionId\": \"" + kContributor +
           "\",\n    \"scope\": \"/subscriptions/" + kSub1 + "\"\n  }\n]",
       kA + "roleAssignments.json:2: $[0].principalId: missing required field 'principalId'"},
      {"wrong JSON type", kA + "users.json", "{\"value\": [\n {\"id\": \"" + kUser1 + "\",\n  \"accountEnabled\": \"yes\"}]}",
       kA + "users.json:3: $.value[0].accountEnabled: expected true or false"},
      {"bad time", kA + "users.json", "[\n {\"id\": \"" + kUser1 + "\", \"createdDateTime\": \"2026-02-30T00:00:00Z\"}]",
       kA + "users.json:2: $[0].createdDateTime"},
      {"duplicate link for one principal", kA + "partnerLinks.json",
       Array({LinkJson(kUser1, "1001", "Active", "2026-07-02T00:00:00Z", "2026-07-02T00:00:00Z"),
              LinkJson(kUser1, "1001", "Active", "2026-07-02T00:00:00Z", "2026-07-02T00:00:00Z")}),
       kA + "partnerLinks.json:3: $[1]: a link for principal '" + kUser1 + "' is listed twice (also at " + kA +
           "partnerLinks.json:2: $[0])"},
      {"not an array", kA + "subscriptions.json", "\"hello\"", kA + "subscriptions.json:1: $: expected an array"},
      {"bad partners.csv level", "partners.csv",
       "partnerId,partnerName,level,globalPartnerId,state\n1000,P,global,,active\n1001,L,region,1000,active\n",
       "partners.csv:3: level: level must be global or location, not 'region'"},
      {"tenant.json of another tenant", kA + "tenant.json", "{\"tenantId\": \"" + kTenantB + "\"}",
       kA + "tenant.json:1: $.tenantId: tenantId " + kTenantB + " differs from the folder's name"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    fs::remove_all(w.Dir("next"));
    fs::copy(kBase, w.Dir("next"), fs::copy_options::recursive);
    w.Write("next", "snapshot.json", "{\"asOf\": \"2026-08-01T00:00:00Z\"}");
    w.Write("next", c.file, c.content);
    std::string message = ImportFails();
    EXPECT_NE(message.find(c.expected), std::string::npos) << "message: " << message << "\nexpected: " << c.expected;
  }
}

TEST_F(BadInput, ASubscriptionListedByTwoTenantsInOneSnapshotIsAnError) {
  w.Begin("next", "2026-08-01T00:00:00Z", {kTenantA, kTenantB});
  w.TenantFile("next", kTenantB, "subscriptions.json", "[\n  {\"id\": \"" + kSub1 + "\", \"name\": \"Prod\"}\n]");
  std::string message = ImportFails();
  EXPECT_NE(message.find("subscription " + kSub1 + " is listed by two tenants in one snapshot"), std::string::npos)
      << message;
  EXPECT_NE(message.find("tenants/" + kTenantB + "/subscriptions.json:2: $[0]"), std::string::npos) << message;
}

TEST_F(BadInput, ASnapshotOlderThanTheNewestImportedIsRefused) {
  w.Write("next", "snapshot.json", "{\"asOf\": \"2026-06-01T00:00:00Z\"}");
  std::string message = ImportFails();
  EXPECT_NE(message.find("refused: asOf 2026-06-01T00:00:00Z is older than the newest snapshot already imported for "
                         "tenant " + kTenantA + " (2026-07-01T00:00:00Z)"),
            std::string::npos)
      << message;
}

TEST_F(BadInput, ASnapshotWithTheSameAsOfIsAcceptedOnlyWhenItChangesNothing) {
  // The same content at the same asOf: accepted, nothing written.
  auto repeat = w.Import("base");
  ASSERT_TRUE(repeat.ok()) << repeat.status().ToString();
  EXPECT_EQ(repeat->opened(), 0);
  EXPECT_EQ(repeat->closed(), 0);
  EXPECT_EQ(w.Fingerprint(), before);
  // Different content at the same asOf: refused.
  w.Write("next", "snapshot.json", "{\"asOf\": \"2026-07-01T00:00:00Z\"}");
  w.Write("next", kA + "roleAssignments.json", "[]");
  std::string message = ImportFails();
  EXPECT_NE(message.find("a snapshot with the same asOf must change nothing"), std::string::npos) << message;
}

TEST_F(BadInput, ReimportingTheSameSnapshotOpensAndClosesNothing) {
  auto again = w.Import("base");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->opened() + again->closed(), 0);
  EXPECT_FALSE(again->committed);
  auto next = w.Import("next");  // the same content a month later: every fact unchanged
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->opened() + next->closed(), 0) << next->ToText();
  auto next_again = w.Import("next");
  ASSERT_TRUE(next_again.ok());
  EXPECT_EQ(next_again->opened() + next_again->closed(), 0);
}

TEST_F(BadInput, RandomGarbageInAnyFileIsAnErrorNeverACrash) {
  std::mt19937 rng(20260701);
  const std::vector<std::string> files = {kA + "users.json", kA + "groups.json", kA + "roleAssignments.json",
                                          kA + "managementGroups.json", kA + "registrationAssignments.json",
                                          kA + "partnerLinks.json", "partners.csv", "snapshot.json"};
  int errors = 0;
  for (int round = 0; round < 150; ++round) {
    const std::string& file = files[round % files.size()];
    std::ifstream in(kBase + "/" + file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Mutate: flip, insert or delete a few bytes, or truncate.
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0: text[at] = static_cast<char>(rng() % 256); break;
        case 1: text.insert(at, 1, "{}[]\",:\\0tn"[rng() % 11]); break;
        case 2: text.erase(at, 1 + rng() % 8); break;
        default: text.resize(at); break;
      }
    }
    fs::remove_all(w.Dir("next"));
    fs::copy(kBase, w.Dir("next"), fs::copy_options::recursive);
    w.Write("next", "snapshot.json", "{\"asOf\": \"2026-08-01T00:00:00Z\"}");
    w.Write("next", file, text);
    auto result = w.Import("next");
    if (!result.ok()) {
      ++errors;
      EXPECT_FALSE(result.status().where().empty()) << result.status().ToString();
      EXPECT_EQ(w.Fingerprint(), before);
    } else {
      // A harmless mutation (inside a display name, say) may import; later rounds compare with that state.
      before = w.Fingerprint();
    }
  }
  EXPECT_GT(errors, 75);
}

}  // namespace
}  // namespace openpal::ingest::testing
