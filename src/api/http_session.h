// One connection of `pal serve`'s event-driven HTTP edge (Boost.Beast over Asio, plain TCP or TLS): reads requests
// within the limits, hands each to a RequestHandler, writes the answer with the ARM headers, logs it, keeps the
// connection alive until idle, and closes the idle ones when the server stops.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "api/surface.h"

namespace openpal::api {

// Answers the requests connections read.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Answers `request`, calling `done` exactly once: at once on the calling (event-loop) thread for requests that
  // never block, or later from another thread.
  virtual void Handle(ApiRequest request, std::function<void(ApiResponse)> done) = 0;
  // Called with the head of a request that has a body (`body` empty) before the body is read: the answer to send
  // at once instead (the connection then closes), or nullopt to read the body. Runs on the event loop: never blocks.
  virtual std::optional<ApiResponse> RefuseBody(const ApiRequest& head) = 0;
};

// Limits against slow or abusive peers.
struct HttpLimits {
  size_t header_bytes = 32 * 1024;      // request line and headers: a 16 KiB token must fit, with room to spare
  size_t body_bytes = 1024 * 1024;      // over this: 413 RequestEntityTooLarge
  std::chrono::seconds idle{5};         // keep-alive: waiting for the next request's head
  std::chrono::seconds io{30};          // reading a body, writing a response
  std::chrono::seconds handshake{10};   // TLS handshake
  // Open connections served normally; the next ones (up to as many again) get 503 to their first request, beyond
  // that they are closed at once. Bounds what idle and slow peers can hold (a TLS session, a head buffer).
  size_t max_connections = 1024;
  // Request bodies being read or answered, all connections together (each counted at its declared length, or
  // body_bytes when chunked): a request whose body would exceed it gets 503 with Retry-After, its body unread.
  size_t body_memory = 64 * 1024 * 1024;
};

class HttpSession;

// What every connection of one server shares: the handler, limits, the log, and the set of open connections (so
// that Stop can close the idle ones).
class HttpConnections {
 public:
  HttpConnections(RequestHandler& handler, HttpLimits limits, FILE* log)
      : handler_(handler), limits_(limits), log_(log) {}

  // Serves `socket` (already accepted) until the peer leaves, a limit is hit, or the server stops.
  void StartPlain(boost::asio::ip::tcp::socket socket);
  // The same over TLS with `tls` (which must outlive every connection).
  void StartTls(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls);

  // From now on no connection starts a new request: idle ones close now, busy ones after their response.
  void StopAll();
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  RequestHandler& handler() { return handler_; }
  const HttpLimits& limits() const { return limits_; }
  FILE* log() const { return log_; }

  // Registers a connection (so StopAll reaches it) / forgets it; for the connections themselves.
  void Add(uint64_t id, std::weak_ptr<HttpSession> session);
  void Remove(uint64_t id);

  // Takes `bytes` of the body budget (limits().body_memory); false (nothing taken) when they do not fit.
  bool ReserveBody(size_t bytes);
  // Gives back what ReserveBody took.
  void ReleaseBody(size_t bytes);

 private:
  // Connections open now (registered, not yet removed).
  size_t OpenCount();

  RequestHandler& handler_;
  const HttpLimits limits_;
  FILE* const log_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_id_{1};
  std::atomic<size_t> body_reserved_{0};
  std::mutex mu_;
  std::unordered_map<uint64_t, std::weak_ptr<HttpSession>> open_;
};

// The part of a connection the registry sees (the stream type is the implementation's).
class HttpSession {
 public:
  virtual ~HttpSession() = default;
  // Closes the connection if it is waiting for a request (or still in its TLS handshake); else does nothing, and
  // the connection closes after the response in flight. Called from any thread.
  virtual void CloseIfIdle() = 0;
};

}  // namespace openpal::api
