// cpp-httplib wiring: catch-all handlers, the ARM headers on every response, the request log, signals.
#include "api/server.h"

#include <chrono>
#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <thread>
#include <unistd.h>

#include <httplib.h>

#include "api/arm_errors.h"
#include "core/guid.h"
#include "core/time.h"

namespace openpal::api {
namespace {

constexpr const char* kJson = "application/json; charset=utf-8";
void EnlargeListenBacklog(int port);  // below, with Run()
constexpr size_t kMaxCorrelationIdLength = 128;

// When the current request's handling started, set before the body is read (pre-routing) and read by the logger,
// which cpp-httplib calls on the same thread after the response is written.
thread_local std::chrono::steady_clock::time_point request_started{};
// Who called and what failed inside, for the log line only: never sent (same thread as above).
thread_local std::string log_caller;
thread_local std::string log_detail;

bool PrintableAscii(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

// Adds the headers every response carries (link-api.md "Bodies"), once.
void StampHeaders(const httplib::Request& req, httplib::Response& res) {
  if (res.has_header("x-ms-request-id")) return;
  std::string correlation = req.get_header_value("x-ms-correlation-request-id");
  if (correlation.empty() || correlation.size() > kMaxCorrelationIdLength || !PrintableAscii(correlation))
    correlation = NewGuid();
  res.set_header("x-ms-request-id", NewGuid());
  res.set_header("x-ms-correlation-request-id", correlation);
  res.set_header("Cache-Control", "no-cache");
  res.set_header("Pragma", "no-cache");
  res.set_header("Expires", "-1");
}

std::optional<std::string> ApiVersionOf(const httplib::Request& req) {
  for (const auto& [key, value] : req.params)
    if (EqualsIgnoreCase(key, "api-version")) return value;
  return std::nullopt;
}

void WriteLogLine(FILE* log, const httplib::Request& req, const httplib::Response& res) {
  if (!log) return;
  double ms = 0;
  if (request_started.time_since_epoch().count() != 0)
    ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request_started).count();
  request_started = {};
  std::string path = req.path;
  for (char& c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';  // a log line stays one line
  std::string caller = std::move(log_caller);
  std::string detail = std::move(log_detail);
  log_caller.clear();
  log_detail.clear();
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.3fms", ms);
  std::string line = FormatIsoTime(Timestamp::Now()) + " " + req.method + " " + path + " " +
                     std::to_string(res.status) + " " + duration + " request_id=" + res.get_header_value("x-ms-request-id") +
                     (caller.empty() ? "" : " caller=" + caller) + (detail.empty() ? "" : " error=\"" + detail + "\"") +
                     "\n";
  // One write per line: lines from concurrent requests never interleave.
  (void)!::write(fileno(log), line.data(), line.size());
}

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::Create(const ServerOptions& options,
                                                     std::vector<const Surface*> surfaces) {
  if (surfaces.empty()) return Status::Error("BadArgument", "a server needs at least one surface");
  std::unique_ptr<ApiServer> server(new ApiServer(options, std::move(surfaces)));
  if (options.tls_cert.empty() != options.tls_key.empty())
    return Status::Error("BadArgument", "--tls-cert and --tls-key go together", "--tls-cert");
  if (!options.tls_cert.empty()) {
    auto ssl = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!ssl->is_valid())
      return Status::Error("BadTls", "cannot load the certificate and key (PEM files, matching pair expected)",
                           options.tls_cert + ", " + options.tls_key);
    server->server_ = std::move(ssl);
    server->tls_ = true;
  } else {
    server->server_ = std::make_unique<httplib::Server>();
  }
  server->Install();
  return server;
}

ApiServer::ApiServer(const ServerOptions& options, std::vector<const Surface*> surfaces)
    : options_(options), surfaces_(std::move(surfaces)) {}
ApiServer::~ApiServer() = default;

void ApiServer::Install() {
  httplib::Server& svr = *server_;
  size_t threads = options_.worker_threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(options_.max_body_bytes);
  // cpp-httplib writes headers and body in separate sends; with Nagle on, the body waits for the client's delayed
  // ACK (40 ms on Linux) on every keep-alive response.
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(1000000);
  svr.set_keep_alive_timeout(options_.keep_alive_seconds);
  svr.set_read_timeout(30);
  svr.set_write_timeout(30);

  svr.set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    request_started = std::chrono::steady_clock::now();
    // HTTP/1.1: a request with neither Content-Length nor Transfer-Encoding has no body. cpp-httplib would instead
    // read a PUT/PATCH/DELETE body until the peer closes, stalling keep-alive clients; say "no body" explicitly.
    // (The request object is not const in cpp-httplib; only this callback's view of it is.)
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding"))
      const_cast<httplib::Request&>(req).headers.emplace("Content-Length", "0");
    return httplib::Server::HandlerResponse::Unhandled;
  });

  auto handle = [this](const httplib::Request& req, httplib::Response& res) {
    StampHeaders(req, res);
    ApiRequest request;
    request.method = req.method;
    request.path = req.path;
    request.api_version = ApiVersionOf(req);
    if (req.has_header("Authorization")) request.authorization = req.get_header_value("Authorization");
    request.body = req.body;
    request.request_id = res.get_header_value("x-ms-request-id");
    for (const auto& [key, value] : req.params) request.query.emplace_back(key, value);
    for (const auto& [name, value] : req.headers) request.headers.emplace_back(name, value);
    const Surface* surface = surfaces_.back();
    for (const Surface* candidate : surfaces_) {
      if (candidate->Claims(request.path)) {
        surface = candidate;
        break;
      }
    }
    ApiResponse response = surface->Handle(request);
    res.status = response.status;
    for (auto& [name, value] : response.headers) {
      if (EqualsIgnoreCase(name, "Cache-Control")) {  // the surface decides caching: drop ARM's no-cache trio
        res.headers.erase("Cache-Control");
        res.headers.erase("Pragma");
        res.headers.erase("Expires");
      }
      res.set_header(name, value);
    }
    if (response.body.empty()) {
      res.set_header("Content-Type", response.content_type);  // DELETE: 200, no body, still typed as the spec asks
    } else {
      res.set_content(std::move(response.body), response.content_type);
    }
    log_caller = std::move(response.caller);
    log_detail = std::move(response.log_detail);
  };
  for (const char* method : {"GET", "PUT", "PATCH", "DELETE", "POST", "OPTIONS"}) {
    std::string m = method;
    if (m == "GET") svr.Get(".*", handle);
    if (m == "PUT") svr.Put(".*", handle);
    if (m == "PATCH") svr.Patch(".*", handle);
    if (m == "DELETE") svr.Delete(".*", handle);
    if (m == "POST") svr.Post(".*", handle);
    if (m == "OPTIONS") svr.Options(".*", handle);
  }

  // Failures cpp-httplib detects itself (body too large, unparsable request) get the same ARM shape.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
    if (res.has_header("x-ms-request-id")) return httplib::Server::HandlerResponse::Unhandled;  // ours already
    StampHeaders(req, res);
    Status status = res.status == 413 ? BodyTooLarge()
                    : res.status == 404 ? UnknownPath(req.path)
                    : res.status == 400 ? InvalidRequestContent("the HTTP request could not be parsed.")
                                        : Status::Error("Internal", "HTTP status " + std::to_string(res.status));
    ArmError error = ToArmError(status);
    if (res.status != 413 && res.status != 404 && res.status != 400) error.http_status = res.status;
    res.status = error.http_status;
    res.set_content(ArmErrorBody(error), kJson);
    return httplib::Server::HandlerResponse::Handled;
  }));
  svr.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    StampHeaders(req, res);
    ArmError error = ToArmError(Status::Error("Internal", "unexpected exception"));
    res.status = error.http_status;
    res.set_content(ArmErrorBody(error), kJson);
  });
  FILE* log = options_.log;
  svr.set_logger([log](const httplib::Request& req, const httplib::Response& res) { WriteLogLine(log, req, res); });
}

Status ApiServer::Bind() {
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
    if (port_ <= 0) return Status::Error("BindFailed", "cannot listen on " + options_.host, "--listen");
  } else {
    if (!server_->bind_to_port(options_.host, options_.port))
      return Status::Error("BindFailed",
                           "cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                               " (in use, or not a local address)",
                           "--listen");
    port_ = options_.port;
  }
  EnlargeListenBacklog(port_);
  return Status::Ok();
}

namespace {

// cpp-httplib (as packaged, compiled with CPPHTTPLIB_LISTEN_BACKLOG 5) listens with a backlog of 5: a burst of new
// connections (64 clients starting at once) overflows it, and the dropped SYNs are retried after a second.
// Linux lets listen() be called again on a listening socket to enlarge the backlog; the library does not expose the
// socket, so find it: the listening socket bound to our port.
void EnlargeListenBacklog(int port) {
  for (int fd = 3; fd < 4096; ++fd) {
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t addr_len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) continue;
    int bound = addr.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                : addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                             : -1;
    if (bound == port) ::listen(fd, 1024);
  }
}

}  // namespace

Status ApiServer::Run() {
  if (!server_->listen_after_bind()) return Status::Error("ServeFailed", "the server stopped with an error");
  return Status::Ok();
}

void ApiServer::Stop() { server_->stop(); }

Status ApiServer::RunUntilSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread waiter([this, signals] {
    int received = 0;
    if (sigwait(&signals, &received) == 0) Stop();
  });
  waiter.detach();  // after a normal stop it keeps waiting harmlessly until the process exits
  return Run();
}

}  // namespace openpal::api
