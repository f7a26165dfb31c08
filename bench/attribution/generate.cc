// Generates the attribution benchmark's world and usage: a SQLite store of directory history (via the store
// interface), the same facts as CSV tables for DuckDB, and a FOCUS usage file. Deterministic (fixed seed).
//   attribution_bench_gen OUT_DIR [--tenants N] [--assignments N] [--links N] [--rows N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/time.h"
#include "store/store.h"

using namespace openpal;

namespace {

struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  bool Chance(int percent) { return Below(100) < static_cast<uint64_t>(percent); }
};

std::string Guid(unsigned prefix, uint64_t n) {
  char buf[64];  // room for any 64-bit n, though GUIDs here use 12 hex digits
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012llx", prefix, static_cast<unsigned long long>(n));
  return buf;
}

const int64_t kDay = 86400LL * 1000000LL;
const Timestamp kHistoryStart = Timestamp::FromSeconds(1767225600LL);  // 2026-01-01
const int kHistoryDays = 90;                                            // to 2026-04-01

struct Role {
  const char* guid;
  const char* name;
  int weight;
};
const Role kRoles[] = {{"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", 10},
                       {"b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", 40},
                       {"acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", 30},
                       {"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator", 5},
                       {"cfd33db0-3dd1-45e3-aa9d-cdbdf3b6f24e", "Support Request Contributor", 5},
                       {"9980e02c-c2be-4d73-94e8-173b1dc7cf3c", "Virtual Machine Contributor", 5},
                       {"2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "Storage Blob Data Reader", 5}};

const Role& PickRole(Rng& rng) {
  int r = static_cast<int>(rng.Below(100));
  for (const Role& role : kRoles) {
    if (r < role.weight) return role;
    r -= role.weight;
  }
  return kRoles[0];
}

// A validity inside (or before) the history: most facts hold from before it and stay open.
Interval RandomValidity(Rng& rng, int open_percent) {
  Timestamp from = rng.Chance(60) ? Timestamp{kHistoryStart.micros - 30 * kDay}
                                  : Timestamp{kHistoryStart.micros + static_cast<int64_t>(rng.Below(kHistoryDays * 24)) * 3600000000LL};
  if (rng.Chance(open_percent)) return Interval{from, Timestamp::Max()};
  Timestamp to{from.micros + static_cast<int64_t>(1 + rng.Below(60 * 24)) * 3600000000LL};
  return Interval{from, to};
}

class Tables {
 public:
  explicit Tables(const std::string& dir) : dir_(dir) {}
  FILE* Open(const std::string& name, const char* header) {
    FILE* f = std::fopen((dir_ + "/" + name).c_str(), "w");
    if (!f) {
      std::perror(name.c_str());
      std::exit(1);
    }
    std::fputs(header, f);
    std::fputc('\n', f);
    files_.push_back(f);
    return f;
  }
  ~Tables() {
    for (FILE* f : files_) std::fclose(f);
  }

 private:
  std::string dir_;
  std::vector<FILE*> files_;
};

long long To(const Interval& i) { return i.to == Timestamp::Max() ? 9000000000000000000LL : i.to.micros; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [--tenants N] [--assignments N] [--links N] [--rows N] [--seed N]\n", argv[0]);
    return 2;
  }
  std::string out = argv[1];
  long long tenants = 10000, assignments = 1000000, links = 50000, rows = 10000000;
  long long seed = 20260101;  // another seed: another world of the same shape (tests/dask differential runs)
  for (int i = 2; i + 1 < argc; i += 2) {
    long long v = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--tenants")) tenants = v;
    else if (!std::strcmp(argv[i], "--assignments")) assignments = v;
    else if (!std::strcmp(argv[i], "--links")) links = v;
    else if (!std::strcmp(argv[i], "--rows")) rows = v;
    else if (!std::strcmp(argv[i], "--seed")) seed = v;
  }
  std::filesystem::create_directories(out);
  std::filesystem::remove(out + "/world.db");
  auto started = std::chrono::steady_clock::now();
  auto store = OpenSqliteStore(out + "/world.db");
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  auto tx_result = (*store)->BeginImport();
  if (!tx_result.ok()) {
    std::fprintf(stderr, "%s\n", tx_result.status().ToString().c_str());
    return 1;
  }
  auto& tx = *tx_result;
  auto insert = [&](const FactValue& v, const Interval& valid) {
    auto id = tx->Insert(v, valid);
    if (!id.ok()) {
      std::fprintf(stderr, "insert: %s\n", id.status().ToString().c_str());
      std::exit(1);
    }
  };
  Tables tables(out);
  FILE* t_place = tables.Open("placements.csv", "subscription,tenant,vfrom,vto");
  FILE* t_enabled = tables.Open("enabled.csv", "tenant,object,vfrom,vto");
  FILE* t_member = tables.Open("memberships.csv", "tenant,grp,member,vfrom,vto");
  FILE* t_assign = tables.Open("assignments.csv", "tenant,scope_key,principal,ptype,role_name,vfrom,vto");
  FILE* t_link = tables.Open("links.csv", "tenant,object,partner,vfrom,vto");
  FILE* t_partner = tables.Open("partners.csv", "partner,name,level,state,vfrom,vto");

  Rng rng{static_cast<uint64_t>(seed)};
  const int subs_per_tenant = 2, rgs_per_sub = 5, users_per_tenant = 25, groups_per_tenant = 4, members_per_group = 6;
  const Interval always{kHistoryStart, Timestamp::Max()};
  // Partners: 3000 location IDs (2% deleted mid-history), 100 global IDs.
  const int location_partners = 3000, global_partners = 100;
  auto partner_id = [](int i) { return std::to_string(4000000 + i); };
  for (int i = 0; i < location_partners + global_partners; ++i) {
    Partner p;
    p.partner_id = partner_id(i);
    p.partner_name = "Partner " + std::to_string(i);
    p.level = i < location_partners ? PartnerLevel::kLocation : PartnerLevel::kGlobal;
    Interval valid{Timestamp{kHistoryStart.micros - 365 * kDay}, Timestamp::Max()};
    if (i < location_partners && rng.Chance(2)) {
      Timestamp cut{kHistoryStart.micros + static_cast<int64_t>(rng.Below(kHistoryDays)) * kDay};
      insert(p, Interval{valid.from, cut});
      std::fprintf(t_partner, "%s,%s,%s,active,%lld,%lld\n", p.partner_id.c_str(), p.partner_name.c_str(),
                   "location", static_cast<long long>(valid.from.micros), static_cast<long long>(cut.micros));
      p.state = PartnerState::kDeleted;
      valid.from = cut;
    }
    insert(p, valid);
    std::fprintf(t_partner, "%s,%s,%s,%s,%lld,%lld\n", p.partner_id.c_str(), p.partner_name.c_str(),
                 p.level == PartnerLevel::kLocation ? "location" : "global",
                 p.state == PartnerState::kActive ? "active" : "deleted", static_cast<long long>(valid.from.micros), To(valid));
  }
  // Tenants, subscriptions, users, groups, memberships.
  for (long long t = 0; t < tenants; ++t) {
    std::string tenant = Guid(0x10000000, t);
    for (int s = 0; s < subs_per_tenant; ++s) {
      std::string sub = Guid(0x20000000, t * subs_per_tenant + s);
      insert(SubscriptionPlacement{sub, tenant, "sub", tenant}, always);
      std::fprintf(t_place, "%s,%s,%lld,%lld\n", sub.c_str(), tenant.c_str(), static_cast<long long>(always.from.micros),
                   To(always));
    }
    for (int u = 0; u < users_per_tenant; ++u) {
      Principal p;
      p.tenant_id = tenant;
      p.object_id = Guid(0x30000000, t * users_per_tenant + u);
      Interval valid = always;
      if (rng.Chance(3)) {  // disabled part-way through
        Timestamp cut{kHistoryStart.micros + static_cast<int64_t>(rng.Below(kHistoryDays * 24)) * 3600000000LL};
        insert(p, Interval{valid.from, cut});
        std::fprintf(t_enabled, "%s,%s,%lld,%lld\n", tenant.c_str(), p.object_id.c_str(),
                     static_cast<long long>(valid.from.micros), static_cast<long long>(cut.micros));
        p.enabled = false;
        insert(p, Interval{cut, Timestamp::Max()});
      } else {
        insert(p, valid);
        std::fprintf(t_enabled, "%s,%s,%lld,%lld\n", tenant.c_str(), p.object_id.c_str(),
                     static_cast<long long>(valid.from.micros), To(valid));
      }
    }
    for (int g = 0; g < groups_per_tenant; ++g) {
      std::string group = Guid(0x50000000, t * groups_per_tenant + g);
      for (int m = 0; m < members_per_group; ++m) {
        std::string member = Guid(0x30000000, t * users_per_tenant + rng.Below(users_per_tenant));
        Interval valid = RandomValidity(rng, 80);
        insert(GroupMembership{tenant, group, member, PrincipalKind::kUser}, valid);
        std::fprintf(t_member, "%s,%s,%s,%lld,%lld\n", tenant.c_str(), group.c_str(), member.c_str(),
                     static_cast<long long>(valid.from.micros), To(valid));
      }
    }
  }
  // Links: random users, 10% move to another partner part-way, 5% end.
  for (long long l = 0; l < links; ++l) {
    long long t = static_cast<long long>(rng.Below(static_cast<uint64_t>(tenants)));
    std::string tenant = Guid(0x10000000, t);
    // Distinct users: user index l / tenants-ish spread; collisions avoided by construction below.
    long long user_index = (l * 7919) % (tenants * users_per_tenant);
    t = user_index / users_per_tenant;
    tenant = Guid(0x10000000, t);
    std::string object = Guid(0x30000000, user_index);
    PartnerLink link;
    link.tenant_id = tenant;
    link.object_id = object;
    link.source = LinkSource::kImport;
    int partner = static_cast<int>(rng.Below(location_partners + global_partners / 2));
    link.partner_id = partner_id(partner);
    Interval valid = RandomValidity(rng, 95);
    if (rng.Chance(10) && valid.open_ended()) {
      Timestamp cut{kHistoryStart.micros + static_cast<int64_t>(rng.Below(kHistoryDays * 24)) * 3600000000LL};
      if (cut > valid.from) {
        insert(link, Interval{valid.from, cut});
        std::fprintf(t_link, "%s,%s,%s,%lld,%lld\n", tenant.c_str(), object.c_str(), link.partner_id.c_str(),
                     static_cast<long long>(valid.from.micros), static_cast<long long>(cut.micros));
        link.partner_id = partner_id(static_cast<int>(rng.Below(location_partners)));
        valid.from = cut;
      }
    }
    insert(link, valid);
    std::fprintf(t_link, "%s,%s,%s,%lld,%lld\n", tenant.c_str(), object.c_str(), link.partner_id.c_str(),
                 static_cast<long long>(valid.from.micros), To(valid));
  }
  // Role assignments: users (70%) or groups, on a subscription (30%) or a resource group.
  for (long long a = 0; a < assignments; ++a) {
    long long t = static_cast<long long>(rng.Below(static_cast<uint64_t>(tenants)));
    std::string tenant = Guid(0x10000000, t);
    std::string sub = Guid(0x20000000, t * subs_per_tenant + rng.Below(subs_per_tenant));
    std::string scope = "/subscriptions/" + sub;
    if (!rng.Chance(30)) scope += "/resourceGroups/rg" + std::to_string(rng.Below(rgs_per_sub));
    bool group = rng.Chance(30);
    std::string principal = group ? Guid(0x50000000, t * groups_per_tenant + rng.Below(groups_per_tenant))
                                  : Guid(0x30000000, t * users_per_tenant + rng.Below(users_per_tenant));
    const Role& role = PickRole(rng);
    Interval valid = RandomValidity(rng, 70);
    RoleAssignment ra{tenant, Guid(0x60000000, a), scope, principal,
                      group ? AssigneeType::kGroup : AssigneeType::kUser, role.guid, role.name};
    insert(ra, valid);
    std::string key = scope;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::fprintf(t_assign, "%s,%s,%s,%s,%s,%lld,%lld\n", tenant.c_str(), key.c_str(), principal.c_str(),
                 group ? "Group" : "User", role.name, static_cast<long long>(valid.from.micros), To(valid));
  }
  auto commit = tx->Commit();
  if (!commit.ok()) {
    std::fprintf(stderr, "commit: %s\n", commit.ToString().c_str());
    return 1;
  }
  double world_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "world: %lld tenants, %lld assignments, %lld links in %.1f s\n", tenants, assignments, links,
               world_seconds);

  // Usage: FOCUS columns (a realistic subset), daily charge periods from 2025-12-25 (before the history: unknown
  // subscriptions) to 2026-03-31; 2% of rows without a ResourceId (SubAccountId only), 0.5% on unknown subscriptions.
  FILE* usage = std::fopen((out + "/usage.csv").c_str(), "w");
  std::setvbuf(usage, nullptr, _IOFBF, 1 << 22);
  std::fputs("BilledCost,BillingAccountId,BillingCurrency,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,"
             "EffectiveCost,ProviderName,RegionId,ResourceId,ResourceName,ServiceCategory,ServiceName,SubAccountId\n",
             usage);
  const char* services[] = {"Virtual Machines", "Storage Accounts", "Azure Kubernetes Service", "SQL Database"};
  const char* regions[] = {"eastus", "westeurope", "uksouth", "australiaeast"};
  char line[1024];
  for (long long r = 0; r < rows; ++r) {
    long long t = static_cast<long long>(rng.Below(static_cast<uint64_t>(tenants)));
    long long sub_index = t * subs_per_tenant + static_cast<long long>(rng.Below(subs_per_tenant));
    if (rng.Below(1000) < 5) sub_index = tenants * subs_per_tenant + static_cast<long long>(rng.Below(1000));
    std::string sub = Guid(0x20000000, sub_index);
    int rg = static_cast<int>(rng.Below(rgs_per_sub)), vm = static_cast<int>(rng.Below(4));
    int day = static_cast<int>(rng.Below(kHistoryDays + 7)) - 7;
    int64_t start_s = kHistoryStart.micros / 1000000 + static_cast<int64_t>(day) * 86400;
    std::string start = FormatIsoTime(Timestamp::FromSeconds(start_s));
    std::string end = FormatIsoTime(Timestamp::FromSeconds(start_s + 86400));
    long long micro_cents = static_cast<long long>(rng.Below(100000000));
    bool eur = rng.Below(10) == 0;
    char cost[32];
    std::snprintf(cost, sizeof cost, "%lld.%06lld", micro_cents / 1000000, micro_cents % 1000000);
    char effective[32];
    long long eff = micro_cents - micro_cents / 10;
    std::snprintf(effective, sizeof effective, "%lld.%06lld", eff / 1000000, eff % 1000000);
    std::string resource = "NULL", name = "NULL";
    if (rng.Below(100) >= 2) {
      name = "vm" + std::to_string(sub_index) + "x" + std::to_string(rg) + "x" + std::to_string(vm);
      resource = "/subscriptions/" + sub + "/resourceGroups/rg" + std::to_string(rg) +
                 "/providers/Microsoft.Compute/virtualMachines/" + name;
    }
    int n = std::snprintf(line, sizeof line, "%s,/providers/Microsoft.Billing/billingAccounts/8611537,%s,Usage,%s,%s,%s,"
                                             "Microsoft,%s,%s,%s,Compute,%s,/subscriptions/%s\n",
                          cost, eur ? "EUR" : "USD", end.c_str(), start.c_str(), effective, regions[r % 4],
                          resource.c_str(), name.c_str(), services[r % 4], sub.c_str());
    std::fwrite(line, 1, static_cast<size_t>(n), usage);
  }
  std::fclose(usage);
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "usage: %lld rows written in %.1f s (total %.1f s)\n", rows, total - world_seconds, total);
  return 0;
}
