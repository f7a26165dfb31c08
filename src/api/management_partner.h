// The Microsoft.ManagementPartner surface (link-api.md): routing, the order of checks, and the link behaviour
// (create, idempotent PUT, 409, PATCH keeping createdTime, DELETE always 200), on top of openpal::Store.
// Transport-free: server.cc turns HTTP into an ApiRequest and an ApiResponse back into HTTP.
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
  // `directory_ttl`: how long a principal's verdict and a partner row read from the store are reused (0 = never).
  // Only imports change them; a short TTL bounds how stale they can be. Link state is always read fresh.
  ManagementPartnerApi(Store& store, const TokenVerifier& verifier,
                       std::chrono::milliseconds directory_ttl = std::chrono::milliseconds(1000))
      : store_(store), verifier_(verifier), principals_(directory_ttl), partners_(directory_ttl), links_(directory_ttl) {}

  // Answers one request, running the checks in link-api.md's order: token, route, api-version, body, principal,
  // partner ID, link state. Link changes are durable in the store before this returns.
  ApiResponse Handle(const ApiRequest& request) const override;
  // The ARM surface answers every path no other surface claims (unknown paths get its 404 bodies).
  bool Claims(std::string_view) const override { return true; }

 private:
  Result<VerifiedToken> Authenticate(const ApiRequest& request, Timestamp now) const;
  Status CheckPrincipal(const VerifiedToken& caller, Timestamp now) const;
  Result<Partner> ValidatePartnerId(const std::string& partner_id, Timestamp now) const;
  Result<std::optional<Partner>> PartnerRow(const std::string& partner_id, Timestamp now) const;
  Result<std::string> LinkBody(const LinkState& state, const std::optional<Partner>& partner, Timestamp now) const;
  // A link state as GET answers it, remembered per principal; only ever replaced by a newer version.
  struct RenderedLink {
    int64_t version = 0;
    std::optional<std::string> partner_id;  // nullopt: not linked
    std::string body;
  };
  // Renders `state` and remembers it for `caller` unless a newer version is already remembered.
  Result<RenderedLink> Remember(const VerifiedToken& caller, const LinkState& state,
                                const std::optional<Partner>& partner, Timestamp now) const;

  ApiResponse Put(const VerifiedToken& caller, const std::string& partner_id, const ApiRequest& request,
                  Timestamp now) const;
  ApiResponse Patch(const VerifiedToken& caller, const std::string& partner_id, const ApiRequest& request,
                    Timestamp now) const;
  ApiResponse GetOne(const VerifiedToken& caller, const std::optional<std::string>& partner_id, Timestamp now) const;
  ApiResponse Delete(const VerifiedToken& caller, const std::string& partner_id, const ApiRequest& request,
                     Timestamp now) const;

  Store& store_;
  const TokenVerifier& verifier_;
  TtlCache<bool> principals_;                   // "tid/oid" -> may link (exists, enabled, not a group)
  TtlCache<std::optional<Partner>> partners_;   // partner ID -> its directory row now
  // "tid/oid" -> the principal's link as last read or written by this process. Versions only grow, so a stale
  // read can never replace a newer write; changes made by another process show within the TTL.
  TtlCache<RenderedLink> links_;
};

// The body of GET .../operations: the four operations of the real service.
const std::string& OperationsListBody();

// The response for a failure (ARM body, WWW-Authenticate on 401s); `log_detail` keeps internal causes.
ApiResponse ErrorResponse(const Status& status);

// True for 6 to 10 ASCII digits.
bool IsPartnerIdFormat(std::string_view id);

}  // namespace openpal::api
