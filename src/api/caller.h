// Who is calling: bearer-token authentication and the directory checks shared by every surface of `pal serve`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/jwt.h"
#include "core/model.h"
#include "core/status.h"
#include "store/store.h"

namespace openpal::api {

// Verifies the `Authorization: Bearer <JWT>` header (absent -> AuthenticationFailed, malformed ->
// InvalidAuthenticationToken, and the verifier's own errors). The caller's tid/oid come only from the token.
Result<VerifiedToken> AuthenticateBearer(const TokenVerifier& verifier, const std::optional<std::string>& authorization,
                                         Timestamp now);

// OK when the caller is a user or service principal that exists and is enabled in its tenant at `now`;
// else the link API's 403 PrincipalNotFound.
Status CheckEnabledPrincipal(Store& store, const VerifiedToken& caller, Timestamp now);

// The partner organisation's own tenant for `partner_id` at `now`: the row's tenantId, else (for a location ID)
// its global account's tenantId; nullopt when neither is known or the ID is not in the directory.
Result<std::optional<TenantId>> PartnerOrganisationTenant(Store& store, const std::string& partner_id, Timestamp now);

// OK when `caller` may read partner `partner_id`'s reports and links: its tenant is the partner organisation's
// tenant (see above). Else 403 AuthorizationFailed; an ID not in the directory is 404 PartnerNotFound.
Status CheckMayReadPartner(Store& store, const VerifiedToken& caller, const std::string& partner_id, Timestamp now);

// The partner IDs (global and location) whose organisation tenant is `tenant` at `now`, sorted.
Result<std::vector<Partner>> PartnersOfOrganisation(Store& store, const TenantId& tenant, Timestamp now);

}  // namespace openpal::api
