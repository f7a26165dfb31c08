// "The previous observation" is per tenant and per file (docs/spec-snapshot-format.md "History"): one row per
// fact that carries its own time, over patterns of presence and absence of its file across 3-4 snapshots.
#include <gtest/gtest.h>

#include <map>

#include "snapshot_fixture.h"

namespace openpal::ingest::testing {
namespace {

const Timestamp kMax = Timestamp::Max();
const std::string kSubScope = "/subscriptions/" + kSub1;
const std::string kSp1 = "5e000000-0000-4000-8000-000000000001";
const std::string kGroup2 = "06000000-0000-4000-8000-000000000002";

// Four snapshot dates: S0 Jan 2, S1 Jan 15, S2 Jan 30, S3 Feb 10 (2027).
const char* const kAsOf[] = {"2027-01-02T00:00:00Z", "2027-01-15T00:00:00Z", "2027-01-30T00:00:00Z",
                             "2027-02-10T00:00:00Z"};

// One snapshot of the pattern: which of tenant A's files it holds (tenant B is always there, so a snapshot
// without tenant A is still a snapshot).
struct Step {
  bool tenant_a = true;                         // false: tenant A's whole folder is missing
  std::map<std::string, std::string> files;     // tenant A's files besides tenant.json: name -> content
};

struct Row {
  const char* name;
  std::vector<Step> steps;                      // S0, S1, ... (at most four)
  FactKind kind;
  std::string key;                              // the fact checked (FactKey)
  std::vector<Interval> expected;               // its intervals, in id order
};

// gtest prints a row by its name.
void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

std::string Users(const std::string& extra = "") { return Array({UserJson(kUser1, extra)}); }
std::string Sp(const std::string& extra = "") {
  return Array({"{\"id\": \"" + kSp1 + "\", \"appId\": \"" + kSp1 +
                "\", \"displayName\": \"App\", \"servicePrincipalType\": \"Application\"" +
                (extra.empty() ? "" : ", " + extra) + "}"});
}
std::string Assignment(const std::string& extra = "") { return Array({AssignmentJson(kRa1, kUser1, kSubScope, extra)}); }
std::string Link(const std::string& partner, const std::string& state, const std::string& times) {
  return Array({"{\"objectId\": \"" + kUser1 + "\", \"tenantId\": \"" + kTenantA + "\", \"partnerId\": \"" +
                partner + "\", \"state\": \"" + state + "\"" + (times.empty() ? "" : ", " + times) + "}"});
}
std::string Created(const char* t) { return std::string("\"createdDateTime\": \"") + t + "\""; }
std::string Deleted(const char* t) { return std::string("\"deletedDateTime\": \"") + t + "\""; }
std::string CreatedOn(const char* t) { return std::string("\"createdOn\": \"") + t + "\""; }
std::string Updated(const char* t) { return std::string("\"updatedTime\": \"") + t + "\""; }
std::string CreatedTime(const char* t) { return std::string("\"createdTime\": \"") + t + "\""; }

// Files that keep tenant A "present" in a snapshot without its file of the row's kind.
const std::map<std::string, std::string> kOthers = {{"groups.json", "[]"}, {"subscriptions.json", "[]"}};
std::map<std::string, std::string> With(std::map<std::string, std::string> files,
                                        const std::map<std::string, std::string>& more = kOthers) {
  for (const auto& [name, content] : more) files.emplace(name, content);
  return files;
}

Interval I(const char* from, const char* to = nullptr) { return Interval{T(from), to ? T(to) : kMax}; }

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = {
      // ---- present / absent / present: the case. Jan 7 lies after S0, the previous users.json.
      {"UserDeletedBetweenTheFileObservationsEvenWhenSiblingGraphFilesWereSeen",
       {{true, {{"users.json", Users()}}},
        {true, With({{"servicePrincipals.json", Sp()}})},
        {true, {{"users.json", Users(Deleted("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPrincipal, kUser1, {I(kAsOf[0], "2027-01-07T00:00:00Z")}},
      {"UserCreatedAfterThePreviousUsersJsonStartsThen",
       {{true, {{"users.json", "[]"}}},
        {true, With({{"servicePrincipals.json", Sp()}})},
        {true, {{"users.json", Users(Created("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPrincipal, kUser1, {I("2027-01-07T00:00:00Z")}},
      {"UserCreatedBeforeThePreviousUsersJsonStartsAtAsOf",
       {{true, {{"users.json", "[]"}}},
        {true, With({{"servicePrincipals.json", Sp()}})},
        {true, {{"users.json", Users(Created("2027-01-01T00:00:00Z"))}}}},
       FactKind::kPrincipal, kUser1, {I(kAsOf[2])}},
      {"ServicePrincipalDeletedBetweenItsFileObservations",
       {{true, {{"servicePrincipals.json", Sp()}}},
        {true, With({{"users.json", Users()}})},
        {true, {{"servicePrincipals.json", Sp(Deleted("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPrincipal, kSp1, {I(kAsOf[0], "2027-01-07T00:00:00Z")}},
      {"ServicePrincipalCreatedBetweenItsFileObservations",
       {{true, {{"servicePrincipals.json", "[]"}}},
        {true, With({{"users.json", Users()}})},
        {true, {{"servicePrincipals.json", Sp(Created("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPrincipal, kSp1, {I("2027-01-07T00:00:00Z")}},
      {"RoleAssignmentCreatedOnBetweenItsFileObservations",
       {{true, {{"roleAssignments.json", "[]"}}},
        {true, With({{"partnerLinks.json", "[]"}})},
        {true, {{"roleAssignments.json", Assignment(CreatedOn("2027-01-07T00:00:00Z"))}}}},
       FactKind::kRoleAssignment, kRa1, {I("2027-01-07T00:00:00Z")}},
      {"LinkStartsAtItsUpdatedTimeBetweenItsFileObservations",
       {{true, {{"partnerLinks.json", "[]"}}},
        {true, With({{"roleAssignments.json", "[]"}})},
        {true, {{"partnerLinks.json", Link("1111", "Active", CreatedTime("2026-12-01T00:00:00Z") + ", " +
                                                                 Updated("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPartnerLink, kUser1, {I("2027-01-07T00:00:00Z")}},
      {"LinkWithoutUpdatedTimeStartsAtItsCreatedTime",
       {{true, {{"partnerLinks.json", "[]"}}},
        {true, With({{"roleAssignments.json", "[]"}})},
        {true, {{"partnerLinks.json", Link("1111", "Active", CreatedTime("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPartnerLink, kUser1, {I("2027-01-07T00:00:00Z")}},
      {"LinkMovedBetweenItsFileObservations",
       {{true, {{"partnerLinks.json", Link("1111", "Active", Updated("2026-12-01T00:00:00Z"))}}},
        {true, With({{"roleAssignments.json", "[]"}})},
        {true, {{"partnerLinks.json", Link("2222", "Active", Updated("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPartnerLink, kUser1, {I("2026-12-01T00:00:00Z", "2027-01-07T00:00:00Z"), I("2027-01-07T00:00:00Z")}},
      {"LinkDeletedBetweenItsFileObservations",
       {{true, {{"partnerLinks.json", Link("1111", "Active", Updated("2026-12-01T00:00:00Z"))}}},
        {true, With({{"roleAssignments.json", "[]"}})},
        {true, {{"partnerLinks.json", Link("1111", "Deleted", Updated("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPartnerLink, kUser1, {I("2026-12-01T00:00:00Z", "2027-01-07T00:00:00Z")}},

      // ---- absent at the first: the file's first observation is S2, so any earlier own time counts.
      {"UserCreatedFirstSeenAtTheFilesFirstObservation",
       {{true, With({})}, {true, With({{"servicePrincipals.json", Sp()}})},
        {true, {{"users.json", Users(Created("2026-06-01T00:00:00Z"))}}}},
       FactKind::kPrincipal, kUser1, {I("2026-06-01T00:00:00Z")}},
      {"ServicePrincipalCreatedFirstSeenAtTheFilesFirstObservation",
       {{true, With({{"users.json", Users()}})}, {true, With({})},
        {true, {{"servicePrincipals.json", Sp(Created("2026-06-01T00:00:00Z"))}}}},
       FactKind::kPrincipal, kSp1, {I("2026-06-01T00:00:00Z")}},
      {"RoleAssignmentCreatedOnAtTheFilesFirstObservation",
       {{true, With({{"partnerLinks.json", "[]"}})}, {true, With({})},
        {true, {{"roleAssignments.json", Assignment(CreatedOn("2026-06-01T00:00:00Z"))}}}},
       FactKind::kRoleAssignment, kRa1, {I("2026-06-01T00:00:00Z")}},
      {"LinkUpdatedTimeAtTheFilesFirstObservation",
       {{true, With({{"roleAssignments.json", "[]"}})}, {true, With({})},
        {true, {{"partnerLinks.json", Link("1111", "Active", Updated("2026-06-01T00:00:00Z"))}}}},
       FactKind::kPartnerLink, kUser1, {I("2026-06-01T00:00:00Z")}},
      {"UserFirstSeenDeletedAtTheFilesFirstObservationWasNeverThere",
       {{true, With({{"servicePrincipals.json", Sp()}})}, {true, With({})},
        {true, {{"users.json", Users(Deleted("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPrincipal, kUser1, {}},

      // ---- tenant A missing from a whole snapshot (S1), then from two (S1, S2), before the file is seen again.
      {"UserDeletedWhileTheTenantWasMissing",
       {{true, {{"users.json", Users()}}}, {false, {}},
        {true, {{"users.json", Users(Deleted("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPrincipal, kUser1, {I(kAsOf[0], "2027-01-07T00:00:00Z")}},
      {"RoleAssignmentCreatedWhileTheTenantWasMissingTwice",
       {{true, {{"roleAssignments.json", "[]"}}}, {false, {}}, {false, {}},
        {true, {{"roleAssignments.json", Assignment(CreatedOn("2027-01-07T00:00:00Z"))}}}},
       FactKind::kRoleAssignment, kRa1, {I("2027-01-07T00:00:00Z")}},
      {"LinkMovedWhileTheTenantWasMissingThenTheFileAbsent",
       {{true, {{"partnerLinks.json", Link("1111", "Active", Updated("2026-12-01T00:00:00Z"))}}}, {false, {}},
        {true, With({{"users.json", Users()}})},
        {true, {{"partnerLinks.json", Link("2222", "Active", Updated("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPartnerLink, kUser1, {I("2026-12-01T00:00:00Z", "2027-01-07T00:00:00Z"), I("2027-01-07T00:00:00Z")}},
      {"ServicePrincipalDeletedAfterTheFilesLastObservationButBeforeTheTenantsLast",
       {{true, {{"servicePrincipals.json", Sp()}}}, {true, With({{"users.json", Users()}})}, {false, {}},
        {true, {{"servicePrincipals.json", Sp(Deleted("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPrincipal, kSp1, {I(kAsOf[0], "2027-01-07T00:00:00Z")}},

      // ---- two kinds of one tenant observed at different snapshots: the same own time, judged per file.
      // users.json seen at S0, servicePrincipals.json at S1; both at S2 with the same deletedDateTime (Jan 7).
      {"TwoGraphFilesUsersJudgedAgainstS0",
       {{true, {{"users.json", Users()}, {"servicePrincipals.json", Sp()}}},
        {true, {{"servicePrincipals.json", Sp()}}},
        {true, {{"users.json", Users(Deleted("2027-01-07T00:00:00Z"))},
                {"servicePrincipals.json", Sp(Deleted("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPrincipal, kUser1, {I(kAsOf[0], "2027-01-07T00:00:00Z")}},
      {"TwoGraphFilesServicePrincipalsJudgedAgainstS1",
       {{true, {{"users.json", Users()}, {"servicePrincipals.json", Sp()}}},
        {true, {{"servicePrincipals.json", Sp()}}},
        {true, {{"users.json", Users(Deleted("2027-01-07T00:00:00Z"))},
                {"servicePrincipals.json", Sp(Deleted("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPrincipal, kSp1, {I(kAsOf[0], kAsOf[2])}},
      // roleAssignments.json seen at S0, partnerLinks.json at S1; both at S2 with own times on Jan 7.
      {"TwoAzureFilesRoleAssignmentJudgedAgainstS0",
       {{true, {{"roleAssignments.json", "[]"}, {"partnerLinks.json", "[]"}}},
        {true, {{"partnerLinks.json", "[]"}}},
        {true, {{"roleAssignments.json", Assignment(CreatedOn("2027-01-07T00:00:00Z"))},
                {"partnerLinks.json", Link("1111", "Active", Updated("2027-01-07T00:00:00Z"))}}}},
       FactKind::kRoleAssignment, kRa1, {I("2027-01-07T00:00:00Z")}},
      {"TwoAzureFilesLinkJudgedAgainstS1",
       {{true, {{"roleAssignments.json", "[]"}, {"partnerLinks.json", "[]"}}},
        {true, {{"partnerLinks.json", "[]"}}},
        {true, {{"roleAssignments.json", Assignment(CreatedOn("2027-01-07T00:00:00Z"))},
                {"partnerLinks.json", Link("1111", "Active", Updated("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPartnerLink, kUser1, {I(kAsOf[2])}},
      // The mirror: partnerLinks.json seen at S0 only, roleAssignments.json at S1.
      {"TwoAzureFilesLinkDeletedJudgedAgainstS0",
       {{true, {{"roleAssignments.json", "[]"}, {"partnerLinks.json", Link("1111", "Active", "")}}},
        {true, {{"roleAssignments.json", "[]"}}},
        {true, {{"roleAssignments.json", Assignment(CreatedOn("2027-01-07T00:00:00Z"))},
                {"partnerLinks.json", Link("1111", "Deleted", Updated("2027-01-07T00:00:00Z"))}}}},
       FactKind::kPartnerLink, kUser1, {I(kAsOf[0], "2027-01-07T00:00:00Z")}},
      {"TwoAzureFilesRoleAssignmentJudgedAgainstS1",
       {{true, {{"roleAssignments.json", "[]"}, {"partnerLinks.json", Link("1111", "Active", "")}}},
        {true, {{"roleAssignments.json", "[]"}}},
        {true, {{"roleAssignments.json", Assignment(CreatedOn("2027-01-07T00:00:00Z"))},
                {"partnerLinks.json", Link("1111", "Deleted", Updated("2027-01-07T00:00:00Z"))}}}},
       FactKind::kRoleAssignment, kRa1, {I(kAsOf[2])}},
  };
  return rows;
}

class PreviousObservationPerFile : public ::testing::TestWithParam<Row> {};

TEST_P(PreviousObservationPerFile, OwnTimestampsAreJudgedAgainstThePreviousSnapshotWithTheSameFile) {
  const Row& row = GetParam();
  SnapshotWorld w;
  for (size_t i = 0; i < row.steps.size(); ++i) {
    const Step& step = row.steps[i];
    std::string name = "s" + std::to_string(i);
    w.Begin(name, kAsOf[i], step.tenant_a ? std::vector<std::string>{kTenantA, kTenantB}
                                          : std::vector<std::string>{kTenantB});
    for (const auto& [file, content] : step.files) w.TenantFile(name, kTenantA, file, content);
    auto imported = w.Import(name);
    ASSERT_TRUE(imported.ok()) << name << ": " << imported.status().ToString();
  }
  EXPECT_EQ(IntervalsOf(w.Facts(row.kind), row.key), row.expected);
}

INSTANTIATE_TEST_SUITE_P(Patterns, PreviousObservationPerFile, ::testing::ValuesIn(Rows()),
                         [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

TEST(PreviousObservationPerFile, AssumeSinceSpeaksForAGraphFileSeenTheFirstTimeAfterAnother) {
  // users.json at S0, groups.json first at S1: --assume-since is about groups.json's first observation.
  SnapshotWorld w;
  ReadOptions options;
  options.assume_since = T("2026-10-01");
  w.Begin("s0", kAsOf[0]);
  w.TenantFile("s0", kTenantA, "users.json", Users());
  w.Begin("s1", kAsOf[1]);
  w.TenantFile("s1", kTenantA, "groups.json",
               Array({"{\"id\": \"" + kGroup2 + "\", \"displayName\": \"G\", \"members\": [{\"id\": \"" + kUser1 +
                      "\", \"@odata.type\": \"#microsoft.graph.user\"}]}"}));
  ASSERT_TRUE(w.Import("s0", options).ok());
  auto second = w.Import("s1", options);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kPrincipal), kGroup2), (std::vector<Interval>{I("2026-10-01")}));
  EXPECT_EQ(IntervalsOf(w.Facts(FactKind::kGroupMembership), kGroup2 + "/" + kUser1),
            (std::vector<Interval>{I("2026-10-01")}))
      << "memberships come from groups.json too: the same first observation";
}

}  // namespace
}  // namespace openpal::ingest::testing
