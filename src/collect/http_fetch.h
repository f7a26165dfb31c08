// HTTP GETs and form POSTs to Graph, ARM and the token endpoint, with the retries real services need:
// 429/503 honour Retry-After, other transient failures back off exponentially, all within a limit.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/encoding.h"  // PercentEncode, for the collector's URLs and forms
#include "core/status.h"

namespace openpal::collect {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// When to retry and how long to wait.
struct RetryPolicy {
  int max_attempts = 8;                                // first try included
  std::chrono::milliseconds base_delay{1000};          // back-off before the 2nd attempt; doubles each time
  std::chrono::milliseconds max_delay{60000};          // back-off ceiling (Retry-After is capped by it too)
};

// What the fetcher did, for the summary (thread-safe counters).
struct FetchStats {
  std::atomic<uint64_t> requests{0};   // every attempt sent
  std::atomic<uint64_t> throttled{0};  // 429 and 503 replies
  std::atomic<uint64_t> retried{0};    // attempts that were retries
};

struct HttpResponse {
  int status = 0;
  std::string body;
  HeaderList headers;  // as received (names as sent by the server)

  // The first header named `name` (ASCII case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

// A URL split for cpp-httplib: "https://host:port" and "/path?query".
struct SplitUrl {
  std::string origin;
  std::string path_and_query;
};

// Splits an absolute http(s) URL. Plain http is accepted only for loopback hosts (127.0.0.1, localhost, [::1]):
// tokens and secrets never cross a network unencrypted. Errors: InvalidArgument (not a URL we may use).
Result<SplitUrl> SplitHttpUrl(const std::string& url);

// The delay a Retry-After header asks for: delta-seconds or an HTTP-date; nullopt when absent or unreadable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value,
                                                         std::chrono::system_clock::time_point now);

class HttpFetcher {
 public:
  using SleepFn = std::function<void(std::chrono::milliseconds)>;

  // `ca_file` = a PEM bundle to trust instead of the system's ("" = system). `sleep` is replaceable for tests.
  HttpFetcher(RetryPolicy policy, int timeout_seconds, std::string ca_file, SleepFn sleep = nullptr);

  // GET `url`. Throttling (429, 503), 500/502/504/408 and connection failures are retried per the policy; any
  // other status is returned as it came (the caller decides). Errors: InvalidArgument (the URL), and
  // Unavailable when the attempts ran out (the message names the URL and the last status).
  Result<HttpResponse> Get(const std::string& url, const HeaderList& headers);

  // POST an application/x-www-form-urlencoded body, with the same retries.
  Result<HttpResponse> PostForm(const std::string& url, const HeaderList& headers,
                                const std::vector<std::pair<std::string, std::string>>& form);

  const FetchStats& stats() const { return stats_; }

 private:
  Result<HttpResponse> Send(const std::string& method, const std::string& url, const HeaderList& headers,
                            const std::string& body, const std::string& content_type);

  RetryPolicy policy_;
  int timeout_seconds_;
  std::string ca_file_;
  SleepFn sleep_;
  FetchStats stats_;
};


}  // namespace openpal::collect
