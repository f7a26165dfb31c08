// Graph and ARM GETs with paging (see service_client.h).
#include "collect/service_client.h"

#include <set>

namespace openpal::collect {
namespace {

// A service's refusal as a status code; the message keeps the HTTP status and the service's own error code.
StatusCode CodeOfHttpStatus(int http_status) {
  switch (http_status) {
    case 404: return StatusCode::kNotFound;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    default: return http_status >= 500 || http_status == 429 ? StatusCode::kUnavailable : StatusCode::kInvalidArgument;
  }
}

}  // namespace

ServiceClient::ServiceClient(HttpFetcher& fetcher, TokenSource& tokens, std::string tenant, std::string base_url,
                             std::string scope, std::string next_field)
    : fetcher_(fetcher),
      tokens_(tokens),
      tenant_(std::move(tenant)),
      base_url_(std::move(base_url)),
      scope_(std::move(scope)),
      next_field_(std::move(next_field)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  auto split = SplitHttpUrl(base_url_ + "/");
  if (split.ok()) origin_ = split->origin;
}

Result<nlohmann::json> ServiceClient::GetUrl(const std::string& url) {
  auto split = SplitHttpUrl(url);
  if (!split.ok()) return split.status();
  if (split->origin != origin_)
    return Status::Error(StatusCode::kCorruption, "the service sent a link to another host than " + origin_ + "; not followed",
                         url);
  // A token may expire during a long listing: on 401 fetch a fresh one once, then give up.
  for (int attempt = 0;; ++attempt) {
    auto token = tokens_.Get(tenant_, scope_);
    if (!token.ok()) return token.status();
    auto reply = fetcher_.Get(url, {{"Authorization", "Bearer " + *token}, {"Accept", "application/json"}});
    if (!reply.ok()) return reply.status();
    if (reply->status == 401 && attempt == 0) {
      tokens_.Invalidate(tenant_, scope_);
      continue;
    }
    auto doc = nlohmann::json::parse(reply->body, nullptr, false);
    if (reply->status < 200 || reply->status >= 300) {
      std::string detail;
      if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
        const auto& e = doc["error"];
        if (e.contains("code") && e["code"].is_string()) detail = e["code"].get<std::string>();
        if (e.contains("message") && e["message"].is_string()) detail += ": " + e["message"].get<std::string>();
      }
      if (detail.empty()) detail = reply->body.substr(0, 200);
      return Status::Error(CodeOfHttpStatus(reply->status),
                           "HTTP " + std::to_string(reply->status) + (detail.empty() ? "" : " " + detail),
                           "GET " + split->path_and_query);
    }
    if (doc.is_discarded())
      return Status::Error(StatusCode::kCorruption, "the reply is not JSON", "GET " + split->path_and_query);
    return doc;
  }
}

Result<nlohmann::json> ServiceClient::GetJson(const std::string& path_and_query) {
  return GetUrl(base_url_ + path_and_query);
}

Status ServiceClient::ForEach(const std::string& path_and_query,
                              const std::function<Status(nlohmann::json& item)>& on_item) {
  std::string url = base_url_ + path_and_query;
  std::set<std::string> visited;  // a service sending a link already followed would loop forever
  while (!url.empty()) {
    if (!visited.insert(url).second)
      return Status::Error(StatusCode::kCorruption, "the service sent a page link it had sent before; stopped", "GET " + url);
    auto page = GetUrl(url);
    if (!page.ok()) return page.status();
    if (!page->is_object() || !page->contains("value") || !(*page)["value"].is_array())
      return Status::Error(StatusCode::kCorruption, "expected a page {\"value\": [...]}", "GET " + url);
    for (auto& item : (*page)["value"]) {
      Status s = on_item(item);
      if (!s.ok()) return s;
    }
    std::string next;
    if (auto it = page->find(next_field_); it != page->end() && it->is_string()) next = it->get<std::string>();
    url = next;
  }
  return Status::Ok();
}

}  // namespace openpal::collect
