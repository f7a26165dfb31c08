// One tenant's view of a JSON service (Microsoft Graph or ARM): bearer-token GETs, error bodies read, and paged
// listings followed link by link (Graph's @odata.nextLink, ARM's nextLink).
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "collect/http_fetch.h"
#include "collect/token_source.h"
#include "core/status.h"

namespace openpal::collect {

class ServiceClient {
 public:
  // `base_url` is the service root (https://graph.microsoft.com, https://management.azure.com; no trailing slash);
  // `scope` the token scope; `next_field` the name of the next-page link in a page.
  ServiceClient(HttpFetcher& fetcher, TokenSource& tokens, std::string tenant, std::string base_url,
                std::string scope, std::string next_field);

  // GETs base_url + path_and_query and calls `on_item` for each element of the page's `value`, then follows the
  // next-page link exactly as sent until there is none. A link to another origin than base_url's is refused
  // (a bearer token is never sent elsewhere). Errors: the service's (NotFound for 404, Unauthenticated for 401,
  // PermissionDenied for 403, Unavailable for 5xx, else InvalidArgument; the message names the HTTP status and the
  // service's error code and text), Corruption (not JSON, no `value` array), or what `on_item` returns.
  Status ForEach(const std::string& path_and_query, const std::function<Status(nlohmann::json& item)>& on_item);

  // GETs one JSON document. A 404 is an error with code kNotFound.
  Result<nlohmann::json> GetJson(const std::string& path_and_query);

  const std::string& tenant() const { return tenant_; }

 private:
  Result<nlohmann::json> GetUrl(const std::string& url);

  HttpFetcher& fetcher_;
  TokenSource& tokens_;
  std::string tenant_;
  std::string base_url_;
  std::string origin_;
  std::string scope_;
  std::string next_field_;
};

}  // namespace openpal::collect
