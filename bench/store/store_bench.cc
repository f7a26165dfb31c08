// Measures the store at import scale: Insert rate, Commit, OpenFacts and point reads over 1M assignments.
// Usage: store_bench [DB_PATH|postgresql://URI] [ASSIGNMENTS] [PRINCIPALS]   (defaults: a temp file, 1000000, 200000)
// A PostgreSQL URI runs the same steps on that (empty) database: bench/store/pg_vs_sqlite.sh runs both.
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/open_store.h"
#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }
// CPU seconds used by this process so far: on a shared machine the wall clock also counts other people's work.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// A GUID-shaped lowercase ID, deterministic per (kind, n).
std::string Guid(unsigned kind, uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", kind, static_cast<unsigned>(n >> 32) & 0xffff,
                static_cast<unsigned>(n >> 16) & 0xfff, static_cast<unsigned>(n) & 0xfff,
                static_cast<unsigned long long>(n * 2654435761ULL) & 0xffffffffffffULL);
  return buf;
}

bool Check(const openpal::Status& s, const char* what) {
  if (!s.ok()) std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  return s.ok();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace openpal;
  std::string path = argc > 1 ? argv[1] : "/tmp/openpal-store-bench-" + std::to_string(getpid()) + ".db";
  const int64_t assignments = argc > 2 ? std::stoll(argv[2]) : 1000000;
  const int64_t principals = argc > 3 ? std::stoll(argv[3]) : 200000;
  const bool temp = argc <= 1;
  constexpr int kTenants = 20, kSubsPerTenant = 50, kRgsPerSub = 20;

  std::mt19937_64 rng(42);
  std::vector<Principal> ps;
  ps.reserve(principals);
  for (int64_t i = 0; i < principals; ++i) {
    Principal p;
    p.tenant_id = Guid(1, i % kTenants);
    p.object_id = Guid(2, i);
    p.kind = i % 5 == 0 ? PrincipalKind::kServicePrincipal : PrincipalKind::kUser;
    p.user_type = UserType::kMember;
    p.display_name = "User number " + std::to_string(i);
    p.sign_in_name = "user" + std::to_string(i) + "@contoso.example";
    ps.push_back(std::move(p));
  }
  std::vector<RoleAssignment> ras;
  ras.reserve(assignments);
  for (int64_t i = 0; i < assignments; ++i) {
    RoleAssignment a;
    int tenant = static_cast<int>(rng() % kTenants);
    uint64_t sub = tenant * kSubsPerTenant + rng() % kSubsPerTenant;
    a.tenant_id = Guid(1, tenant);
    a.assignment_name = Guid(3, i);
    a.scope = "/subscriptions/" + Guid(4, sub) + "/resourceGroups/rg-" + std::to_string(rng() % kRgsPerSub) +
              (i % 3 ? "/providers/Microsoft.Compute/virtualMachines/vm-" + std::to_string(i) : "");
    a.principal_id = Guid(2, rng() % principals);
    a.principal_type = AssigneeType::kUser;
    a.role_guid = "b24988ac-6180-42a0-ab88-20f7382dd24c";
    a.role_name = "Contributor";
    ras.push_back(std::move(a));
  }

  auto opened = OpenStore(path);
  if (!Check(opened.status(), "open")) return 1;
  Store& store = **opened;
  const Timestamp as_of = Timestamp::FromSeconds(1767225600);

  auto t0 = Clock::now();
  double cpu0 = CpuSeconds();
  auto tx = store.BeginImport();
  if (!Check(tx.status(), "begin")) return 1;
  for (const auto& p : ps)
    if (auto id = (*tx)->Insert(p, Interval{as_of, Timestamp::Max()}); !Check(id.status(), "insert")) return 1;
  double t_principals = Seconds(t0);
  double cpu_principals = CpuSeconds() - cpu0;
  auto t1 = Clock::now();
  double cpu1 = CpuSeconds();
  for (const auto& a : ras)
    if (auto id = (*tx)->Insert(a, Interval{as_of, Timestamp::Max()}); !Check(id.status(), "insert")) return 1;
  double t_assignments = Seconds(t1);
  double cpu_assignments = CpuSeconds() - cpu1;
  auto t2 = Clock::now();
  if (!Check((*tx)->Commit(), "commit")) return 1;
  double t_commit = Seconds(t2);
  double t_import = Seconds(t0);
  double cpu_import = CpuSeconds() - cpu0;
  tx = Status::Error(StatusCode::kStopped, "done");  // release the import's connection and write lock

  auto t3 = Clock::now();
  double cpu3 = CpuSeconds();
  auto tx2 = store.BeginImport();
  auto open_ras = (*tx2)->OpenFacts(FactKind::kRoleAssignment, std::nullopt);
  if (!Check(open_ras.status(), "open facts")) return 1;
  double t_open = Seconds(t3);
  double cpu_open = CpuSeconds() - cpu3;
  auto t4 = Clock::now();
  auto open_ps = (*tx2)->OpenFacts(FactKind::kPrincipal, std::nullopt);
  double t_open_ps = Seconds(t4);
  tx2 = Status::Error(StatusCode::kStopped, "done");

  auto t5 = Clock::now();
  auto loaded = store.LoadFacts(FactKind::kRoleAssignment, Interval{as_of, Timestamp::Max()}, Guid(1, 3));
  double t_load_tenant = Seconds(t5);

  constexpr int kLookups = 10000;
  auto t6 = Clock::now();
  size_t hits = 0;
  for (int i = 0; i < kLookups; ++i) {
    auto p = store.PrincipalAt(ps[i % ps.size()].tenant_id, ps[i % ps.size()].object_id, as_of);
    if (p.ok() && p->has_value()) ++hits;
  }
  double t_lookups = Seconds(t6);
  // Link changes: each one is a durable commit (fsync of the WAL), so this is the API's write ceiling.
  constexpr int kChanges = 500;
  auto t7 = Clock::now();
  for (int i = 0; i < kChanges; ++i) {
    const auto& p = ps[i % 50];
    auto r = store.ChangeLink(p.tenant_id, p.object_id, Timestamp{as_of.micros + i}, "bench", [](const LinkState& st) {
      return st.current ? LinkDecision{LinkDecision::Action::kDelete, ""}
                        : LinkDecision{LinkDecision::Action::kCreate, "1234567"};
    });
    if (!Check(r.status(), "change link")) return 1;
  }
  double t_changes = Seconds(t7);
  std::error_code size_error;
  auto size = IsPostgresUri(path) ? 0 : std::filesystem::file_size(path, size_error);

  std::printf("store_bench: %lld principals + %lld role assignments into %s\n", static_cast<long long>(principals),
              static_cast<long long>(assignments), path.c_str());
  std::printf("  (wall clock; CPU seconds of this process in brackets)\n");
  std::printf("  insert principals    %7.2f s  %9.0f rows/s  [cpu %5.2f s, %9.0f rows/cpu-s]\n", t_principals,
              principals / t_principals, cpu_principals, principals / cpu_principals);
  std::printf("  insert assignments   %7.2f s  %9.0f rows/s  [cpu %5.2f s, %9.0f rows/cpu-s]\n", t_assignments,
              assignments / t_assignments, cpu_assignments, assignments / cpu_assignments);
  std::printf("  commit               %7.2f s\n", t_commit);
  std::printf("  import total         %7.2f s  %9.0f rows/s  [cpu %5.2f s]\n", t_import,
              (principals + assignments) / t_import, cpu_import);
  std::printf("  OpenFacts(assignments, all tenants) %7.2f s  [cpu %5.2f s]  (%zu facts)\n", t_open, cpu_open,
              open_ras->size());
  std::printf("  OpenFacts(principals, all tenants)  %7.2f s  (%zu facts)\n", t_open_ps, open_ps->size());
  std::printf("  LoadFacts(assignments, one tenant)  %7.2f s  (%zu facts)\n", t_load_tenant, loaded->size());
  std::printf("  %d x PrincipalAt (the API's point read)  %7.3f s  (%.1f us each, %zu hits)\n", kLookups, t_lookups,
              t_lookups * 1e6 / kLookups, hits);
  std::printf("  %d x ChangeLink (durable commits)  %7.3f s  (%.2f ms each)\n", kChanges, t_changes,
              t_changes * 1e3 / kChanges);
  if (!IsPostgresUri(path)) std::printf("  database size        %7.1f MiB\n", size / 1048576.0);
  opened = Status::Error(StatusCode::kStopped, "done");
  if (temp) {
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
  }
  return 0;
}
