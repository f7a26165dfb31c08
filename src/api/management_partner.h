// The Microsoft.ManagementPartner surface (link-api.md): its routes, the order of checks after the token, and the
// link behaviour (create, idempotent PUT, 409, PATCH keeping createdTime, DELETE always 200), on top of
// openpal::Store. Transport-free: the route table (route_table.h) authenticates and dispatches to it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/jwt.h"
#include "api/surface.h"
#include "api/ttl_cache.h"
#include "core/status.h"
#include "store/store.h"

namespace openpal::api {

inline constexpr const char* kApiVersion = "2018-02-01";

// The routes of the API. Thread-safe: all state is in the store, which serializes each principal's changes.
class ManagementPartnerApi : public Surface {
 public:
  // `directory_ttl`: how long a principal's verdict, a partner row and a rendered link read from the store are
  // reused (0 = never) while nothing is committed to the store; any commit, of any process, ends them at once.
  ManagementPartnerApi(Store& store, const TokenVerifier& verifier,
                       std::chrono::milliseconds directory_ttl = std::chrono::milliseconds(1000))
      : store_(store), verifier_(verifier), principals_(directory_ttl), partners_(directory_ttl), links_(directory_ttl) {}

  // The link API's routes, then two catch-alls: the ARM surface answers every path no other surface has (unknown
  // paths get its 404 bodies, after the token). The table checks token, route and method; the handlers go on in
  // link-api.md's order: api-version, body, principal, partner ID, link state. GETs answer from the caches on the
  // event loop; link changes block (they are durable in the store before the answer).
  std::vector<Route> Routes() const override;

 private:
  enum class Action { kOperations, kMine, kGet, kPut, kPatch, kDelete };
  // The checks after the method (api-version, body, principal), then `action`.
  ApiResponse Answer(const RouteCall& call, Action action) const;
  // `gen` below is the store's ChangeCounter() asked once per request, before any read: cached answers of another
  // generation are not used (ttl_cache.h).
  Status CheckPrincipal(const VerifiedToken& caller, Timestamp now, uint64_t gen) const;
  Result<Partner> ValidatePartnerId(const std::string& partner_id, Timestamp now, uint64_t gen) const;
  Result<std::optional<Partner>> PartnerRow(const std::string& partner_id, Timestamp now, uint64_t gen) const;
  Result<std::string> LinkBody(const LinkState& state, const std::optional<Partner>& partner, Timestamp now,
                               uint64_t gen) const;
  // A link state as GET answers it, remembered per principal; only ever replaced by a newer version.
  struct RenderedLink {
    int64_t version = 0;
    std::optional<std::string> partner_id;  // nullopt: not linked
    std::string body;
  };
  // Renders `state` and remembers it for `caller` unless a newer version is already remembered.
  Result<RenderedLink> Remember(const VerifiedToken& caller, const LinkState& state,
                                const std::optional<Partner>& partner, Timestamp now, uint64_t gen) const;

  ApiResponse Put(const VerifiedToken& caller, const std::string& partner_id, const ApiRequest& request,
                  Timestamp now, uint64_t gen) const;
  ApiResponse Patch(const VerifiedToken& caller, const std::string& partner_id, const ApiRequest& request,
                    Timestamp now, uint64_t gen) const;
  ApiResponse GetOne(const VerifiedToken& caller, const std::optional<std::string>& partner_id, Timestamp now,
                     uint64_t gen) const;
  ApiResponse Delete(const VerifiedToken& caller, const std::string& partner_id, const ApiRequest& request,
                     Timestamp now, uint64_t gen) const;

  Store& store_;
  const TokenVerifier& verifier_;
  TtlCache<bool> principals_;                   // "tid/oid" -> may link (exists, enabled, not a group)
  TtlCache<std::optional<Partner>> partners_;   // partner ID -> its directory row now
  // "tid/oid" -> the principal's link as last read or written by this process. Versions only grow, so a stale
  // read can never replace a newer write of the same generation; any commit (of any process) ends it.
  TtlCache<RenderedLink> links_;
};

// The body of GET .../operations: the four operations of the real service.
const std::string& OperationsListBody();

// True for 6 to 10 ASCII digits.
bool IsPartnerIdFormat(std::string_view id);

}  // namespace openpal::api
