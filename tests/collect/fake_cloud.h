// A local fake of Entra ID's token endpoint, Microsoft Graph v1.0 and ARM for `pal collect` tests: it serves a
// generated directory in the documented response shapes, over many pages, throttles and fails at random (seeded),
// and records every way a client strays from the protocol (bad token, wrong api-version, a paging link not
// followed exactly) as a violation.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace openpal::collect::testing {

struct FakeUser {
  std::string id, name, upn, user_type, created;
  bool enabled = true;
  std::string deleted;  // deletedDateTime; "" = not deleted
};
struct FakeSp {
  std::string id, app_id, name, type;
  bool enabled = true;
};
struct FakeMember {
  std::string id, type;  // "#microsoft.graph.user", ...
};
struct FakeGroup {
  std::string id, name, created;
  bool security = true;
  std::vector<FakeMember> members;
};
struct FakeSub {
  std::string id, name, state, mg;  // mg: the management group it sits in
};
struct FakeMg {
  std::string name, display, parent;  // parent "" for the root
};
struct FakeAssignment {
  std::string name, scope, principal, principal_type, role, created;
};
struct FakeRole {
  std::string name, role_name, scope;  // scope: where it is assignable
};
struct FakeRegistration {
  std::string assignment, definition, sub, managing_tenant;
  std::vector<std::pair<std::string, std::string>> authorizations;  // principal, role
  std::vector<std::pair<std::string, std::string>> eligible;
};
struct FakeLink {
  std::string object_id, partner_id, created, updated;
};

struct FakeTenant {
  std::string id, display, domain;
  std::vector<FakeUser> users;
  std::vector<FakeSp> sps;
  std::vector<FakeGroup> groups;
  std::vector<FakeSub> subs;
  std::vector<FakeMg> mgs;  // [0] is the root, named after the tenant
  std::vector<FakeAssignment> assignments;
  std::vector<FakeRole> roles;
  std::vector<FakeRegistration> registrations;  // on this tenant's subscriptions
  std::optional<FakeLink> caller_link;          // the PAL link of the collecting app's principal here
};

struct WorldSize {
  int users = 2500, deleted_users = 40, sps = 300, groups = 400, subs = 24, mgs = 8, assignments = 3000, roles = 5;
};

// A managing (partner) tenant and a customer tenant that delegates some subscriptions to it through Lighthouse.
struct FakeWorld {
  std::vector<FakeTenant> tenants;  // [0] partner, [1] customer
  std::string client_id = "c0111111-0000-4000-8000-000000000001";
  std::string secret = "s3cr3t value/with+odd&chars=";
};
FakeWorld MakeWorld(uint32_t seed, const WorldSize& size);

// The hand-made snapshot of the same world: each file written straight from the model in the shapes of
// snapshot-format.md (az/Graph exports), as a person would assemble it.
void WriteHandMadeSnapshot(const FakeWorld& world, const std::string& dir, const std::string& as_of);

struct FaultPlan {
  uint32_t seed = 7;
  double throttle = 0.0;    // 429 with Retry-After
  double unavailable = 0.0; // 503 with Retry-After
  double server_error = 0.0;// 500 without
  int graph_page = 100;     // items per Graph page (at most $top)
  int arm_page = 50;        // items per ARM page
  std::string always_fail;  // requests whose path contains this always get `always_fail_status`
  int always_fail_status = 403;
};

class FakeCloud {
 public:
  FakeCloud(FakeWorld world, FaultPlan plan);
  ~FakeCloud();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Accept client assertions signed by this certificate (PEM), instead of the secret.
  void TrustCertificate(const std::string& certificate_pem);

  std::vector<std::string> Violations();     // protocol errors seen, plus paging links issued but never followed
  size_t requests() const { return requests_; }
  size_t faults() const { return faults_; }
  size_t assertions() const { return assertions_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::atomic<size_t> requests_{0}, faults_{0}, assertions_{0};
  std::thread thread_;
};

}  // namespace openpal::collect::testing

namespace openpal::collect::testing {
// A fresh RSA-2048 key and a self-signed certificate for it, both PEM, in one string (as --certificate takes).
std::string MakeSelfSignedPem(const std::string& common_name);
}  // namespace openpal::collect::testing
