// Facts in and out of the store: every kind round-trips with all its fields; the point and bulk reads
// answer by half-open validity [from, to).
#include <random>

#include "core/scope.h"
#include "store/fact_columns.h"
#include "store_test_util.h"

namespace openpal::testing {
namespace {

class FactsTest : public TempStoreTest {
 protected:
  // Inserts each value valid over `valid` in one committed import; returns the ids.
  std::vector<int64_t> Import(const std::vector<std::pair<FactValue, Interval>>& facts) {
    std::vector<int64_t> ids;
    auto tx = store_->BeginImport();
    EXPECT_TRUE(tx.ok()) << tx.status().ToString();
    if (!tx.ok()) return ids;
    for (const auto& [v, valid] : facts) {
      auto id = (*tx)->Insert(v, valid);
      EXPECT_TRUE(id.ok()) << id.status().ToString();
      ids.push_back(id.ok() ? *id : 0);
    }
    EXPECT_TRUE((*tx)->Commit().ok());
    return ids;
  }
};

const std::string kTenant = "11111111-1111-1111-1111-111111111111";
const std::string kOther = "22222222-2222-2222-2222-222222222222";
const Interval kAllTime{Timestamp::Min(), Timestamp::Max()};

Principal User(const TenantId& tenant, const ObjectId& object) {
  Principal p;
  p.tenant_id = tenant;
  p.object_id = object;
  p.user_type = UserType::kMember;
  return p;
}

// One value of every kind with every field set away from its default.
std::vector<FactValue> OneOfEachKind() {
  Principal sp{kTenant, "aaaaaaaa-0000-0000-0000-000000000002", PrincipalKind::kServicePrincipal,
               UserType::kUnknown, ServicePrincipalType::kManagedIdentity, "backup-identity",
               "cccccccc-0000-0000-0000-000000000003", false};
  LighthouseAuthorization lh{kTenant,
                             "/subscriptions/33333333-3333-3333-3333-333333333333/providers/"
                             "Microsoft.ManagedServices/registrationAssignments/ab12",
                             "/subscriptions/33333333-3333-3333-3333-333333333333",
                             kOther,
                             "dddddddd-0000-0000-0000-000000000004",
                             "Contoso Ops",
                             "b24988ac-6180-42a0-ab88-20f7382dd24c",
                             true};
  PartnerLink link{kTenant, "aaaaaaaa-0000-0000-0000-000000000001", "1234567", LinkSource::kImport, Day(-3), 7};
  return {
      Tenant{kTenant, "Contoso", "contoso.example"},
      sp,
      GroupMembership{kTenant, "eeeeeeee-0000-0000-0000-000000000005", "aaaaaaaa-0000-0000-0000-000000000002",
                      PrincipalKind::kServicePrincipal},
      SubscriptionPlacement{"33333333-3333-3333-3333-333333333333", kTenant, "Production", "Finance-MG"},
      ManagementGroup{kTenant, "Finance-MG", "Finance", kTenant},
      CustomRole{kTenant, "ffffffff-0000-0000-0000-000000000006", "Backup Operator (custom)"},
      RoleAssignment{kTenant, "99999999-0000-0000-0000-000000000009",
                     "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/RG1",
                     "aaaaaaaa-0000-0000-0000-000000000002", AssigneeType::kForeignGroup,
                     "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"},
      lh,
      Partner{"1234567", "Contoso Managed Services (Seattle)", PartnerLevel::kLocation, "7654321",
              PartnerState::kDeleted, kOther},
      link,
  };
}

TEST_P(FactsTest, EveryKindRoundTripsWithAllFields) {
  std::vector<FactValue> values = OneOfEachKind();
  ASSERT_EQ(values.size(), 10u) << "one per FactKind";
  std::vector<std::pair<FactValue, Interval>> in;
  for (size_t i = 0; i < values.size(); ++i)
    in.push_back({values[i], i % 2 ? Interval{Day(1), Timestamp::Max()} : Interval{Day(1), Day(2)}});
  std::vector<int64_t> ids = Import(in);
  for (size_t i = 0; i < values.size(); ++i) {
    FactKind kind = KindOf(values[i]);
    auto facts = store_->LoadFacts(kind, kAllTime);
    ASSERT_TRUE(facts.ok()) << facts.status().ToString();
    ASSERT_EQ(facts->size(), 1u) << FactKindName(kind);
    EXPECT_EQ(facts->front().id, ids[i]);
    EXPECT_TRUE(facts->front().value == values[i]) << FactKindName(kind) << " changed on the way";
    EXPECT_EQ(facts->front().valid, in[i].second) << FactKindName(kind);
  }
}

TEST_P(FactsTest, OpenFactsListsOnlyOpenOnesOfTheTenantInIdOrder) {
  Principal a = User(kTenant, "aaaaaaaa-0000-0000-0000-000000000001");
  Principal b = User(kTenant, "aaaaaaaa-0000-0000-0000-000000000002");
  Principal c = User(kOther, "aaaaaaaa-0000-0000-0000-000000000003");
  auto ids = Import({{a, {Day(0), Day(5)}}, {b, {Day(0), Timestamp::Max()}}, {c, {Day(0), Timestamp::Max()}}});
  auto tx = store_->BeginImport();
  ASSERT_TRUE(tx.ok());
  auto mine = (*tx)->OpenFacts(FactKind::kPrincipal, kTenant);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ(mine->front().id, ids[1]);
  EXPECT_TRUE(mine->front().valid.open_ended());
  auto all = (*tx)->OpenFacts(FactKind::kPrincipal, std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, ids[1]);
  EXPECT_EQ((*all)[1].id, ids[2]);
  // Facts inserted within the import are visible to it before commit.
  ASSERT_TRUE((*tx)->Insert(User(kTenant, "aaaaaaaa-0000-0000-0000-000000000004"), {Day(6), Timestamp::Max()}).ok());
  auto after = (*tx)->OpenFacts(FactKind::kPrincipal, kTenant);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 2u);
}

TEST_P(FactsTest, LoadFactsSelectsByHalfOpenOverlapAndTenant) {
  RoleAssignment r{kTenant, "n1", "/subscriptions/s1", "p1", AssigneeType::kUser, "g1", "Reader"};
  RoleAssignment other = r;
  other.tenant_id = kOther;
  auto ids = Import({{r, {Day(10), Day(20)}}, {other, {Day(0), Timestamp::Max()}}});
  auto count = [&](Interval w, std::optional<TenantId> t = std::nullopt) {
    auto f = store_->LoadFacts(FactKind::kRoleAssignment, w, t);
    EXPECT_TRUE(f.ok());
    return f.ok() ? f->size() : 0u;
  };
  EXPECT_EQ(count({Day(0), Day(10)}, kTenant), 0u) << "ends where the fact starts: no overlap";
  EXPECT_EQ(count({Day(20), Day(30)}, kTenant), 0u) << "starts where the fact ends: no overlap";
  EXPECT_EQ(count({Day(19), Day(21)}, kTenant), 1u);
  EXPECT_EQ(count({Day(0), Day(11)}, kTenant), 1u);
  EXPECT_EQ(count({Day(12), Day(13)}), 2u);
  EXPECT_EQ(count({Day(12), Day(12)}), 0u) << "an empty window overlaps nothing";
  EXPECT_EQ(count({Day(12), Day(13)}, "33333333-3333-3333-3333-333333333333"), 0u);
  auto counts = store_->CountFacts(FactKind::kRoleAssignment);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->first, 2);
  EXPECT_EQ(counts->second, 1);
}

TEST_P(FactsTest, PrincipalAtHonoursHalfOpenBoundariesAndSuccessiveStates) {
  Principal enabled = User(kTenant, "aaaaaaaa-0000-0000-0000-000000000001");
  Principal disabled = enabled;
  disabled.enabled = false;
  Import({{enabled, {Day(10), Day(20)}}, {disabled, {Day(20), Day(30)}}});
  auto at = [&](Timestamp t) {
    auto p = store_->PrincipalAt(kTenant, enabled.object_id, t);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : std::nullopt;
  };
  EXPECT_FALSE(at(Timestamp{Day(10).micros - 1}).has_value()) << "before the first state";
  ASSERT_TRUE(at(Day(10)).has_value()) << "from is inclusive";
  EXPECT_TRUE(at(Day(10))->value.enabled);
  EXPECT_TRUE(at(Timestamp{Day(20).micros - 1})->value.enabled);
  ASSERT_TRUE(at(Day(20)).has_value());
  EXPECT_FALSE(at(Day(20))->value.enabled) << "at the boundary the next state holds";
  EXPECT_EQ(at(Day(20))->valid, (Interval{Day(20), Day(30)}));
  EXPECT_FALSE(at(Day(30)).has_value()) << "to is exclusive: deleted at day 30";
  // Lookups are case-insensitive on the IDs, which are stored lowercase.
  auto upper = store_->PrincipalAt("11111111-1111-1111-1111-111111111111", "AAAAAAAA-0000-0000-0000-000000000001", Day(15));
  ASSERT_TRUE(upper.ok());
  EXPECT_TRUE(upper->has_value());
  auto wrong_tenant = store_->PrincipalAt(kOther, enabled.object_id, Day(15));
  ASSERT_TRUE(wrong_tenant.ok());
  EXPECT_FALSE(wrong_tenant->has_value());
}

TEST_P(FactsTest, PartnerAtAndLocationsOfFollowTheDirectoryOverTime) {
  Partner global{"7654321", "Contoso", PartnerLevel::kGlobal, "", PartnerState::kActive, kOther};
  Partner seattle{"1234567", "Contoso (Seattle)", PartnerLevel::kLocation, "7654321", PartnerState::kActive, ""};
  Partner seattle_gone = seattle;
  seattle_gone.state = PartnerState::kDeleted;
  Partner dublin{"2345678", "Contoso (Dublin)", PartnerLevel::kLocation, "7654321", PartnerState::kActive, ""};
  Import({{global, {Day(0), Timestamp::Max()}},
          {seattle, {Day(0), Day(10)}},
          {seattle_gone, {Day(10), Timestamp::Max()}},
          {dublin, {Day(5), Timestamp::Max()}}});
  auto p = store_->PartnerAt("1234567", Day(9));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->has_value());
  EXPECT_EQ((*p)->value.state, PartnerState::kActive);
  p = store_->PartnerAt("1234567", Day(10));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->value.state, PartnerState::kDeleted);
  p = store_->PartnerAt("9999999", Day(10));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has_value());

  auto early = store_->LocationsOf("7654321", Day(1));
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(early->size(), 1u);
  EXPECT_EQ(early->front().partner_id, "1234567");
  auto later = store_->LocationsOf("7654321", Day(12));
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 2u) << "the deleted row is still a location row; the caller checks state";
  EXPECT_EQ((*later)[0].partner_id, "1234567");
  EXPECT_EQ((*later)[1].partner_id, "2345678");
  auto none = store_->LocationsOf("1234567", Day(12));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// Role assignments and Lighthouse authorizations come back as the engine reads them (LoadFacts of a window: its
// directory index keys them by Scope::key() itself): the scope's text keeps its casing, each row its own interval.
TEST_P(FactsTest, AssignmentsComeBackWithTheirScopeTextAndInterval) {
  const std::string sub = "/subscriptions/33333333-3333-3333-3333-333333333333";
  RoleAssignment on_rg1{kTenant, "a1", sub + "/resourceGroups/RG1", "p1", AssigneeType::kUser, "g", "Reader"};
  RoleAssignment on_sub{kTenant, "a3", sub + "/", "p2", AssigneeType::kGroup, "g", "Owner"};
  RoleAssignment other_tenant = on_sub;
  other_tenant.tenant_id = kOther;
  auto ids = Import({{on_rg1, {Day(0), Day(10)}}, {on_sub, {Day(5), Timestamp::Max()}},
                     {other_tenant, {Day(0), Timestamp::Max()}}});
  auto all = store_->LoadFacts(FactKind::kRoleAssignment, {Day(0), Day(30)}, kTenant);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u) << "the other tenant's is not the tenant's";
  EXPECT_EQ((*all)[0].id, ids[0]);
  EXPECT_EQ(std::get<RoleAssignment>((*all)[0].value).scope, sub + "/resourceGroups/RG1") << "the text keeps its casing";
  EXPECT_EQ((*all)[0].valid, (Interval{Day(0), Day(10)}));
  EXPECT_EQ(std::get<RoleAssignment>((*all)[1].value).principal_type, AssigneeType::kGroup);
  auto late = store_->LoadFacts(FactKind::kRoleAssignment, {Day(10), Day(30)}, kTenant);
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->size(), 1u) << "the rg1 assignment ended at day 10";
  EXPECT_EQ(late->front().id, ids[1]);
}

TEST_P(FactsTest, LighthouseAuthorizationsKeepEligibilityAndTheirCustomerTenant) {
  LighthouseAuthorization a{kTenant, "/subscriptions/s1/providers/Microsoft.ManagedServices/registrationAssignments/x",
                            "/subscriptions/S1", kOther, "p1", "Ops", "g1", false};
  LighthouseAuthorization b = a;
  b.eligible = true;
  auto ids = Import({{a, {Day(0), Timestamp::Max()}}, {b, {Day(0), Day(3)}}});
  auto found = store_->LoadFacts(FactKind::kLighthouseAuthorization, {Day(1), Day(2)});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 2u);
  const auto& first = std::get<LighthouseAuthorization>((*found)[0].value);
  EXPECT_FALSE(first.eligible);
  EXPECT_EQ(first.customer_tenant_id, kTenant);
  EXPECT_EQ(first.managing_tenant_id, kOther);
  EXPECT_EQ(first.scope, "/subscriptions/S1");
  EXPECT_TRUE(std::get<LighthouseAuthorization>((*found)[1].value).eligible);
  auto later = store_->LoadFacts(FactKind::kLighthouseAuthorization, {Day(3), Day(4)});
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ(later->front().id, ids[0]);
}

TEST_P(FactsTest, SettingsAreWrittenOnceAndReadBack) {
  auto missing = store_->GetSetting("dev-issuer-key");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(store_->PutSettingIfAbsent("dev-issuer-key", "first").ok());
  ASSERT_TRUE(store_->PutSettingIfAbsent("dev-issuer-key", "second").ok()) << "present: silently kept";
  auto v = store_->GetSetting("dev-issuer-key");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(**v, "first");
}

}  // namespace
}  // namespace openpal::testing

namespace openpal::testing {
namespace {

TEST_P(FactsTest, HostileTextIsStoredAsDataNotSql) {
  Principal p = User(kTenant, "aaaaaaaa-0000-0000-0000-000000000009");
  p.display_name = "Robert'); DROP TABLE principals; -- Zoë 日本 \\N \\. \t";
  p.sign_in_name = "\"quoted\"\n\t\\";
  Import({{p, {Day(0), Timestamp::Max()}}});
  auto back = store_->PrincipalAt(kTenant, p.object_id, Day(1));
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(back->has_value());
  EXPECT_EQ((*back)->value.display_name, p.display_name) << "quotes, COPY escapes and UTF-8 survive";
  EXPECT_EQ((*back)->value.sign_in_name, p.sign_in_name);
  auto none = store_->PrincipalAt(kTenant, "' OR 1=1 --", Day(1));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  for (const std::string& hostile : {std::string("' OR 1=1 --"), std::string(5000, '/'), std::string()}) {
    auto nothing = store_->LocationsOf(hostile, Day(1));
    ASSERT_TRUE(nothing.ok());
    EXPECT_TRUE(nothing->empty());
    auto no_partner = store_->PartnerAt(hostile, Day(1));
    ASSERT_TRUE(no_partner.ok());
    EXPECT_FALSE(no_partner->has_value());
  }
}

// A NUL byte in a text: SQLite keeps it; PostgreSQL's text cannot, so that store refuses it (InvalidArgument, naming
// the table and the fact) instead of cutting the text short. docs/store.md "PostgreSQL".
TEST_P(FactsTest, ANulByteInATextIsKeptOrRefusedNeverCut) {
  Principal p = User(kTenant, "aaaaaaaa-0000-0000-0000-000000000009");
  p.display_name = std::string("before\0after NUL", 16);
  auto tx = store_->BeginImport();
  ASSERT_TRUE(tx.ok());
  auto id = (*tx)->Insert(p, {Day(0), Timestamp::Max()});
  if (postgres()) {
    ASSERT_FALSE(id.ok());
    EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(id.status().ToString().find("principals"), std::string::npos) << id.status().ToString();
    EXPECT_TRUE((*tx)->Commit().ok()) << "the refusal left the import usable";
    return;
  }
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE((*tx)->Commit().ok());
  auto back = store_->PrincipalAt(kTenant, p.object_id, Day(1));
  ASSERT_TRUE(back.ok() && back->has_value());
  EXPECT_EQ((*back)->value.display_name, p.display_name);
}

TEST_P(FactsTest, ScopeKeysAreWhatScopeKeyComputes) {
  for (const char* text : {"/", "/subscriptions/AbC/", "/subscriptions/a/resourceGroups/RG1",
                           "/providers/Microsoft.Management/managementGroups/Finance",
                           "/subscriptions/a/resourcegroups/rg/providers/Microsoft.Web/sites/S1/slots/Staging"}) {
    auto scope = Scope::Parse(text);
    ASSERT_TRUE(scope.ok()) << text;
    EXPECT_EQ(ScopeKeyOf(text), scope->key()) << text;
  }
}

TEST_P(FactsTest, ReadsAreNotBlockedByARunningImportAndDoNotSeeIt) {
  auto tx = store_->BeginImport();
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE((*tx)->Insert(User(kTenant, "aaaaaaaa-0000-0000-0000-000000000001"), {Day(0), Timestamp::Max()}).ok());
  // Same thread, import still open: a reader answers at once from the last committed state.
  auto during = store_->LoadFacts(FactKind::kPrincipal, kAllTime);
  ASSERT_TRUE(during.ok()) << during.status().ToString();
  EXPECT_TRUE(during->empty());
  ASSERT_TRUE((*tx)->Commit().ok());
  auto after = store_->LoadFacts(FactKind::kPrincipal, kAllTime);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 1u);
}

}  // namespace
}  // namespace openpal::testing

namespace openpal::testing {
namespace {

// Random facts, some closed, against random windows: LoadFacts returns exactly what Interval::overlaps
// selects from a plain list, and PrincipalAt exactly what Interval::contains does.
TEST_P(FactsTest, RandomHistoriesAgreeWithTheIntervalRules) {
  std::mt19937 rng(7);
  std::vector<AnyFact> model;
  auto tx = store_->BeginImport();
  ASSERT_TRUE(tx.ok());
  for (int i = 0; i < 300; ++i) {
    Principal p = User(i % 2 ? kTenant : kOther, "aaaaaaaa-0000-0000-0000-00000000000" + std::to_string(i % 7));
    Interval valid{Day(static_cast<int>(rng() % 50)), Timestamp::Max()};
    auto id = (*tx)->Insert(p, valid);
    ASSERT_TRUE(id.ok());
    if (rng() % 3) {
      valid.to = Timestamp{valid.from.micros + static_cast<int64_t>(rng() % 20) * 43200000000LL};  // half-days
      ASSERT_TRUE((*tx)->Close(FactKind::kPrincipal, *id, valid.to).ok());
    }
    model.push_back(AnyFact{*id, p, valid});
  }
  ASSERT_TRUE((*tx)->Commit().ok());
  for (int q = 0; q < 200; ++q) {
    Interval window{Day(static_cast<int>(rng() % 60) - 5), Day(static_cast<int>(rng() % 60) - 5)};
    std::optional<TenantId> tenant;
    if (q % 3 == 1) tenant = kTenant;
    auto got = store_->LoadFacts(FactKind::kPrincipal, window, tenant);
    ASSERT_TRUE(got.ok());
    std::vector<int64_t> expected, actual;
    for (const auto& f : model)
      if (f.valid.overlaps(window) && (!tenant || FactTenant(f.value) == *tenant)) expected.push_back(f.id);
    for (const auto& f : *got) actual.push_back(f.id);
    ASSERT_EQ(actual, expected) << "window " << window.ToString();
  }
  for (int q = 0; q < 200; ++q) {
    Timestamp t{Day(0).micros + static_cast<int64_t>(rng() % 120) * 43200000000LL};
    std::string object = "aaaaaaaa-0000-0000-0000-00000000000" + std::to_string(q % 7);
    auto got = store_->PrincipalAt(kTenant, object, t);
    ASSERT_TRUE(got.ok());
    bool any = false;
    for (const auto& f : model) {
      const auto& p = std::get<Principal>(f.value);
      if (p.tenant_id == kTenant && p.object_id == object && f.valid.contains(t)) any = true;
    }
    EXPECT_EQ(got->has_value(), any);
    if (got->has_value()) {
      EXPECT_TRUE((*got)->valid.contains(t));
    }
  }
}

// ScanFacts hands over exactly what LoadFacts returns, in the same order, across batch boundaries, and stops at the
// first error its callback returns.
TEST_P(FactsTest, ScanFactsStreamsLoadFactsInBatches) {
  std::vector<std::pair<FactValue, Interval>> many;
  for (int i = 0; i < 40000; ++i) {
    char object[40];
    std::snprintf(object, sizeof object, "aaaaaaaa-0000-0000-0000-%012d", i);
    many.emplace_back(User(kTenant, object), Interval{Day(i % 7), Timestamp::Max()});
  }
  Import(many);
  auto loaded = store_->LoadFacts(FactKind::kPrincipal, kAllTime);
  ASSERT_TRUE(loaded.ok());
  std::vector<std::string> scanned;
  size_t batches = 0;
  Status s = store_->ScanFacts(FactKind::kPrincipal, kAllTime, [&](std::vector<AnyFact>& facts) {
    ++batches;
    for (auto& f : facts) scanned.push_back(std::get<Principal>(f.value).object_id);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(scanned.size(), loaded->size());
  EXPECT_GT(batches, 1u);
  for (size_t i = 0; i < scanned.size(); ++i)
    ASSERT_EQ(scanned[i], std::get<Principal>((*loaded)[i].value).object_id) << "at " << i;

  size_t calls = 0;
  Status stopped = store_->ScanFacts(FactKind::kPrincipal, kAllTime, [&](std::vector<AnyFact>&) {
    ++calls;
    return Status::Error(StatusCode::kStopped, "enough");
  });
  EXPECT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.code(), StatusCode::kStopped);
  EXPECT_EQ(calls, 1u);
}

INSTANTIATE_BACKENDS(FactsTest);

}  // namespace
}  // namespace openpal::testing
