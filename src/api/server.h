// The HTTP(S) edge of `pal serve`: an event-driven server (Boost.Beast over Asio, TLS through OpenSSL) that answers
// each request through the route table (route_table.h), on the event loop or, for routes that may block, on a
// bounded pool, and stops gracefully.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "api/route_table.h"
#include "core/status.h"

namespace openpal::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                         // 0: any free port (see ApiServer::port())
  std::string tls_cert;                 // PEM files; both empty = plain HTTP
  std::string tls_key;
  size_t io_threads = 0;                // event-loop threads; 0 = the machine's hardware threads
  size_t worker_threads = 256;          // most threads of the blocking pool (writes, reports; started on demand)
  size_t max_body_bytes = 1024 * 1024;  // over this: 413 RequestEntityTooLarge
  size_t max_header_bytes = 32 * 1024;  // request line and headers; over this: 400
  int keep_alive_seconds = 5;           // an idle keep-alive connection closes after this
  int io_timeout_seconds = 30;          // reading a body, writing a response
  int handshake_timeout_seconds = 10;   // TLS handshake
  size_t max_connections = 1024;        // served at once; as many again get 503, more are closed at once
  size_t body_memory = 64 * 1024 * 1024;  // request bodies held at once, all connections; over: 503
  FILE* log = stderr;                   // one line per request; nullptr = no log
};

class ApiServer {
 public:
  // A server answering through `routes` (which must outlive it). Fails if the TLS files cannot be loaded.
  static Result<std::unique_ptr<ApiServer>> Create(const ServerOptions& options, const RouteTable& routes);
  ~ApiServer();

  // Binds the listening socket; after this, port() is the real port.
  Status Bind();
  int port() const { return port_; }
  bool tls() const { return tls_; }

  // Serves until Stop(); requests in flight finish before it returns.
  Status Run();
  // Stops accepting and closes idle connections; safe from any thread (but not from a signal handler: see
  // RunUntilSignal).
  void Stop();

  // Runs, stopping on SIGTERM or SIGINT. Call before starting other threads: it blocks those signals in the
  // calling thread (so in every thread started after) and waits for them in a thread of its own.
  Status RunUntilSignal();

 private:
  struct Impl;  // Asio and Beast stay out of this header
  explicit ApiServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace openpal::api
