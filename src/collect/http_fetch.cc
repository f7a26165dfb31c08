// Retried HTTP requests over cpp-httplib (see http_fetch.h).
#include "collect/http_fetch.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include <httplib.h>

namespace openpal::collect {
namespace {

bool IsLoopbackHost(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// Statuses worth another attempt: throttling, and the transient server-side failures.
bool IsRetryable(int status) {
  return status == 429 || status == 503 || status == 500 || status == 502 || status == 504 || status == 408;
}

// One keep-alive client per origin and thread: collection makes thousands of requests to two or three hosts.
httplib::Client& ClientFor(const std::string& origin, const std::string& ca_file, int timeout_seconds) {
  thread_local std::map<std::string, std::unique_ptr<httplib::Client>> clients;
  auto& slot = clients[origin + "\n" + ca_file + "\n" + std::to_string(timeout_seconds)];
  if (!slot) {
    slot = std::make_unique<httplib::Client>(origin);
    slot->set_keep_alive(true);
    // Paths are sent as given: the URLs we build are encoded already, and a next link must be followed exactly.
    slot->set_url_encode(false);
    slot->set_connection_timeout(timeout_seconds, 0);
    slot->set_read_timeout(timeout_seconds, 0);
    slot->set_write_timeout(timeout_seconds, 0);
    if (origin.rfind("https://", 0) == 0) {
      slot->enable_server_certificate_verification(true);
      if (!ca_file.empty()) slot->set_ca_cert_path(ca_file.c_str());
    }
  }
  return *slot;
}

std::string Truncated(const std::string& body) {
  return body.size() <= 300 ? body : body.substr(0, 300) + "...";
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < k.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(k[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    if (same) return v;
  }
  return "";
}

Result<SplitUrl> SplitHttpUrl(const std::string& url) {
  bool https = url.rfind("https://", 0) == 0;
  if (!https && url.rfind("http://", 0) != 0)
    return Status::Error(StatusCode::kInvalidArgument, "expected an https:// URL", url);
  size_t host_start = https ? 8 : 7;
  size_t path_start = url.find_first_of("/?", host_start);
  std::string authority = url.substr(host_start, path_start == std::string::npos ? std::string::npos
                                                                                  : path_start - host_start);
  if (authority.empty() || authority.find('@') != std::string::npos)
    return Status::Error(StatusCode::kInvalidArgument, "expected https://HOST[:PORT]/PATH", url);
  std::string host = authority;
  if (host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  if (!https && !IsLoopbackHost(host))
    return Status::Error(StatusCode::kInvalidArgument,
                         "plain http is accepted only on loopback (127.0.0.1, localhost); use https:// for " + host,
                         url);
  SplitUrl out;
  out.origin = url.substr(0, host_start) + authority;
  out.path_and_query = path_start == std::string::npos ? "/" : url.substr(path_start);
  if (out.path_and_query.front() == '?') out.path_and_query = "/" + out.path_and_query;
  return out;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value,
                                                         std::chrono::system_clock::time_point now) {
  if (value.empty()) return std::nullopt;
  bool digits = true;
  for (char c : value) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits) {
    if (value.size() > 9) return std::chrono::milliseconds(std::chrono::hours(24));  // absurd: capped later
    return std::chrono::milliseconds(std::stoll(value) * 1000);
  }
  // An HTTP-date (IMF-fixdate): "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  char month[4] = {};
  int day = 0, year = 0, h = 0, m = 0, s = 0;
  char weekday[4] = {};
  if (std::sscanf(value.c_str(), "%3s, %d %3s %d %d:%d:%d GMT", weekday, &day, month, &year, &h, &m, &s) != 7)
    return std::nullopt;
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int mon = -1;
  for (int i = 0; i < 12; ++i)
    if (std::string(month) == kMonths[i]) mon = i;
  if (mon < 0) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
  return delta.count() < 0 ? std::chrono::milliseconds(0) : delta;
}


HttpFetcher::HttpFetcher(RetryPolicy policy, int timeout_seconds, std::string ca_file, SleepFn sleep)
    : policy_(policy), timeout_seconds_(timeout_seconds), ca_file_(std::move(ca_file)), sleep_(std::move(sleep)) {
  if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (policy_.max_attempts < 1) policy_.max_attempts = 1;
}

Result<HttpResponse> HttpFetcher::Get(const std::string& url, const HeaderList& headers) {
  return Send("GET", url, headers, "", "");
}

Result<HttpResponse> HttpFetcher::PostForm(const std::string& url, const HeaderList& headers,
                                           const std::vector<std::pair<std::string, std::string>>& form) {
  std::string body;
  for (const auto& [k, v] : form) body += (body.empty() ? "" : "&") + PercentEncode(k) + "=" + PercentEncode(v);
  return Send("POST", url, headers, body, "application/x-www-form-urlencoded");
}

Result<HttpResponse> HttpFetcher::Send(const std::string& method, const std::string& url, const HeaderList& headers,
                                       const std::string& body, const std::string& content_type) {
  auto split = SplitHttpUrl(url);
  if (!split.ok()) return split.status();
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  h.emplace("User-Agent", "openpal-pal/0.1.0 (collect)");
  thread_local std::mt19937 jitter_rng{std::random_device{}()};

  std::string last_problem;
  for (int attempt = 1; attempt <= policy_.max_attempts; ++attempt) {
    if (attempt > 1) ++stats_.retried;
    ++stats_.requests;
    httplib::Client& client = ClientFor(split->origin, ca_file_, timeout_seconds_);
    httplib::Result result = method == "GET"
                                 ? client.Get(split->path_and_query.c_str(), h)
                                 : client.Post(split->path_and_query.c_str(), h, body, content_type.c_str());
    // The exponential back-off for this attempt, with up to 25% jitter so parallel workers do not retry in step.
    auto backoff = policy_.base_delay * (int64_t{1} << std::min(attempt - 1, 20));
    if (backoff > policy_.max_delay) backoff = policy_.max_delay;
    backoff += std::chrono::milliseconds(
        backoff.count() > 0 ? std::uniform_int_distribution<int64_t>(0, backoff.count() / 4)(jitter_rng) : 0);
    if (backoff > policy_.max_delay) backoff = policy_.max_delay;
    std::chrono::milliseconds wait = backoff;
    if (!result) {
      if (result.error() == httplib::Error::SSLServerVerification)
        return Status::Error(StatusCode::kUnavailable,
                             "the server's certificate is not trusted (give --ca-file for a private CA)", url);
      last_problem = httplib::to_string(result.error());
    } else if (!IsRetryable(result->status)) {
      HttpResponse response{result->status, std::move(result->body), {}};
      for (const auto& [name, value] : result->headers) response.headers.emplace_back(name, value);
      return response;
    } else {
      last_problem = "HTTP " + std::to_string(result->status) + " " + Truncated(result->body);
      if (result->status == 429 || result->status == 503) {
        ++stats_.throttled;
        // The service says when to come back: wait that long (within the ceiling), not our guess.
        if (auto after = ParseRetryAfter(result->get_header_value("Retry-After"), std::chrono::system_clock::now()))
          wait = std::min<std::chrono::milliseconds>(*after, policy_.max_delay);
      }
    }
    if (attempt < policy_.max_attempts) sleep_(wait);
  }
  // Throttled (429), unreachable (0) or failing (5xx): all may succeed later; the message says which.
  return Status::Error(StatusCode::kUnavailable,
                       "gave up after " + std::to_string(policy_.max_attempts) + " attempts; last: " + last_problem,
                       method + " " + url);
}

}  // namespace openpal::collect
