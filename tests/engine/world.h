// A tiny directory builder for engine tests: one customer tenant, one subscription, one linked user, adjustable.
#pragma once

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/time.h"
#include "engine/attribution.h"
#include "engine/directory_index.h"
#include "engine/report_writer.h"

namespace openpal::engine::testing {

inline Timestamp T(const char* text) { return *ParseTime(text); }
inline Interval From(const char* from, const char* to = nullptr) {
  return Interval{T(from), to ? T(to) : Timestamp::Max()};
}

inline constexpr const char* kTenant = "11111111-1111-4111-8111-111111111111";
inline constexpr const char* kOtherTenant = "22222222-2222-4222-8222-222222222222";
inline constexpr const char* kManagingTenant = "33333333-3333-4333-8333-333333333333";
inline constexpr const char* kSub = "aaaaaaaa-0000-4000-8000-000000000001";
inline constexpr const char* kUser = "cccccccc-0000-4000-8000-000000000001";
inline constexpr const char* kUser2 = "cccccccc-0000-4000-8000-000000000002";
inline constexpr const char* kGroup = "dddddddd-0000-4000-8000-000000000001";
inline constexpr const char* kGroup2 = "dddddddd-0000-4000-8000-000000000002";
inline constexpr const char* kPartner = "1000001";
inline constexpr const char* kPartner2 = "1000002";
inline constexpr const char* kVm =
    "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1";

// Facts, appended by helpers; every helper returns *this for chaining.
struct World {
  std::vector<AnyFact> facts;

  World& Add(FactValue v, Interval valid) {
    facts.push_back(AnyFact{static_cast<int64_t>(facts.size() + 1), std::move(v), valid});
    return *this;
  }
  World& Placement(const char* sub, const char* tenant, Interval valid, const char* parent = nullptr) {
    return Add(SubscriptionPlacement{sub, tenant, "sub", parent ? parent : tenant}, valid);
  }
  World& Group(const char* tenant, const char* group, const char* parent, Interval valid) {
    return Add(ManagementGroup{tenant, group, group, parent}, valid);
  }
  World& User(const char* tenant, const char* object, Interval valid, bool enabled = true) {
    Principal p;
    p.tenant_id = tenant;
    p.object_id = object;
    p.enabled = enabled;
    return Add(p, valid);
  }
  World& Member(const char* tenant, const char* group, const char* member, Interval valid) {
    return Add(GroupMembership{tenant, group, member, PrincipalKind::kUser}, valid);
  }
  World& Assign(const char* tenant, const std::string& scope, const char* principal, std::string_view role,
                Interval valid, AssigneeType type = AssigneeType::kUser, const char* role_name = "") {
    static int n = 0;
    return Add(RoleAssignment{tenant, "assignment-" + std::to_string(++n), scope, principal, type, std::string(role),
                              role_name},
               valid);
  }
  World& Lighthouse(const std::string& scope, const char* managing, const char* principal, std::string_view role,
                    Interval valid, bool eligible = false) {
    return Add(LighthouseAuthorization{kTenant, scope + "/providers/Microsoft.ManagedServices/registrationAssignments/x",
                                       scope, managing, principal, "", std::string(role), eligible},
               valid);
  }
  World& Partner(const char* id, Interval valid, PartnerLevel level = PartnerLevel::kLocation,
                 PartnerState state = PartnerState::kActive, const char* name = "Partner") {
    openpal::Partner p;
    p.partner_id = id;
    p.partner_name = name;
    p.level = level;
    p.state = state;
    return Add(p, valid);
  }
  World& Link(const char* tenant, const char* object, const char* partner, Interval valid) {
    PartnerLink l;
    l.tenant_id = tenant;
    l.object_id = object;
    l.partner_id = partner;
    return Add(l, valid);
  }
  World& CustomRoleName(const char* tenant, const char* guid, const char* name, Interval valid) {
    return Add(CustomRole{tenant, guid, name}, valid);
  }

  // The standard world: tenant holds the subscription from 2026-01-01; the user is enabled, linked to kPartner and
  // Contributor on the subscription, all from 2026-01-01.
  static World Standard() {
    World w;
    w.Placement(kSub, kTenant, From("2026-01-01"))
        .User(kTenant, kUser, From("2026-01-01"))
        .Partner(kPartner, From("2026-01-01"), PartnerLevel::kLocation, PartnerState::kActive, "Contoso, Seattle")
        .Link(kTenant, kUser, kPartner, From("2026-01-01"))
        .Assign(kTenant, std::string("/subscriptions/") + kSub, kUser, kContributorRole, From("2026-01-01"));
    return w;
  }
};

// A usage row over [start, end) of `amount` USD on `resource`.
inline usage::UsageRow Row(std::string_view resource, const char* start, const char* end, const char* amount = "10",
                           std::string_view subscription = "", std::string_view currency = "USD") {
  usage::UsageRow r;
  r.resource_id = resource;
  r.subscription = subscription;
  r.start = T(start);
  r.end = T(end);
  r.amount = *usage::ParseMoney(amount);
  r.currency = currency;
  return r;
}

// Runs rows through a fresh Attributor over the world.
inline AttributionResult Attribute(const World& world, const std::vector<usage::UsageRow>& rows,
                                   RolePolicy policy = RolePolicy::All()) {
  auto index = DirectoryIndex::Build(world.facts);
  Attributor a(*index, policy);
  for (const auto& r : rows) a.AddRow(r);
  return a.Finish();
}

// Everything a result says, as the CLI writes it (report, unattributed groups, reconciliation), to compare results.
inline std::string ResultText(const AttributionResult& result) {
  std::ostringstream text;
  WriteReport(result, OutputFormat::kCsv, text);
  WriteUnattributed(result, OutputFormat::kCsv, text);
  WriteReconciliation(result, text);
  return text.str();
}
inline std::string ResultText(const CellTable& cells) { return ResultText(NameCells(cells)); }

// A random world over three subscriptions, four principals, three partners, with gaps and overlaps (the property and
// partial tests' world: the same seed gives the same world in both).
inline World RandomWorld(std::mt19937& rng) {
  const char* subs[] = {"aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002",
                        "aaaaaaaa-0000-4000-8000-000000000003"};
  const char* users[] = {"cccccccc-0000-4000-8000-000000000001", "cccccccc-0000-4000-8000-000000000002",
                         "cccccccc-0000-4000-8000-000000000003", "cccccccc-0000-4000-8000-000000000004"};
  const char* partners[] = {"1000001", "1000002", "2000001"};
  const std::string_view roles[] = {kOwnerRole, kContributorRole, kReaderRole, kUserAccessAdministratorRole};
  auto day = [&](int d) { return Timestamp::FromSeconds(1767225600LL + d * 86400LL + (rng() % 86400)); };  // 2026-01-01
  auto span = [&]() {
    Timestamp a = day(static_cast<int>(rng() % 60)), b = day(static_cast<int>(rng() % 60));
    if (b < a) std::swap(a, b);
    return rng() % 3 == 0 ? Interval{a, Timestamp::Max()} : Interval{a, b};
  };
  World w;
  for (const char* s : subs) w.Placement(s, kTenant, Interval{day(0), Timestamp::Max()});
  for (const char* p : partners) w.Partner(p, span(), rng() % 5 ? PartnerLevel::kLocation : PartnerLevel::kGlobal);
  for (const char* u : users) {
    w.User(kTenant, u, span(), rng() % 4 != 0);
    w.Link(kTenant, u, partners[rng() % 3], span());
    w.Member(kTenant, kGroup, u, span());
  }
  for (int i = 0; i < 8; ++i) {
    std::string scope = std::string("/subscriptions/") + subs[rng() % 3];
    if (rng() % 2) scope += "/resourceGroups/rg" + std::to_string(rng() % 2);
    bool group = rng() % 3 == 0;
    w.Assign(kTenant, scope, group ? kGroup : users[rng() % 4], roles[rng() % 4], span(),
             group ? AssigneeType::kGroup : AssigneeType::kUser);
  }
  return w;
}

}  // namespace openpal::engine::testing
