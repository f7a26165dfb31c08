// The link inventory: which principals of which tenants are linked to which partner ID at a moment, by which
// kind of identity, and which customers depend on linked users only (at risk). Used by `pal links` and
// GET /openpal/v1/links (docs/openpal-api.md, docs/cli.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/status.h"
#include "core/time.h"
#include "store/store.h"

namespace openpal::engine {

// One principal whose link counts in one tenant. A linked principal of a managing tenant that holds permanent
// Lighthouse authorizations (directly or through its groups) in a customer tenant appears once for its own
// tenant (member, guest, ...) and once per such customer with identity_kind "lighthouse" and tenant_id = the
// customer (principal_tenant_id stays its own tenant).
struct InventoryLink {
  TenantId tenant_id;
  std::string tenant_name;
  TenantId principal_tenant_id;
  ObjectId object_id;
  std::string display_name;     // "" when the principal was never in the directory
  std::string identity_kind;    // member | guest | servicePrincipal | managedIdentity | lighthouse | unknown
  bool is_user = false;         // a user (member or guest), also behind a "lighthouse" row
  std::string principal_state;  // enabled | disabled | deleted (not in the directory then; named as it was)
  std::string partner_id;
  std::string partner_name;     // "" when the ID is not in the partner directory
  Timestamp since;              // the link's createdTime (its validity start when the source gave none)
  std::string source;           // api | import
};

// A customer whose credit for one partner ID rests on linked users alone: it ends when they leave.
struct CustomerAtRisk {
  TenantId tenant_id;
  std::string tenant_name;
  std::string partner_id;
  int linked_users = 0;
  std::string reason;           // one sentence, naming the users
};

struct LinkInventory {
  Timestamp at;
  std::vector<InventoryLink> links;          // sorted by tenant name, tenant, kind, display name, object
  std::vector<CustomerAtRisk> at_risk;       // sorted by tenant name, tenant, partner ID
};

struct InventoryQuery {
  Timestamp at;
  // Only links to this partner ID; a global (PGA) ID selects the links to it and to all its location IDs.
  std::optional<std::string> partner_id;
  // Only rows whose tenant_id (the customer, for Lighthouse rows) is this tenant.
  std::optional<TenantId> tenant_id;
};

// Builds the inventory from the store's PartnerLink facts (API and imported) holding at `query.at`, the
// principals, groups, tenants, partner rows and Lighthouse authorizations of that moment. A partner
// organisation's own tenant is never "at risk" (it is not a customer).
Result<LinkInventory> BuildLinkInventory(Store& store, const InventoryQuery& query);

// The JSON of GET /openpal/v1/links: {at, links:[...], customersAtRisk:[...]} (pretty when `indent` >= 0).
std::string LinkInventoryJson(const LinkInventory& inventory, int indent = -1);

}  // namespace openpal::engine
