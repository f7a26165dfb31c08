// The HTTP(S) edge of `pal serve`: cpp-httplib with one catch-all handler per method (routing is ours, case-
// insensitive), request and correlation ids, the 1 MiB body limit, a request log, and a graceful stop.
#pragma once

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include <vector>

#include "api/surface.h"
#include "core/status.h"

namespace httplib {
class Server;
}

namespace openpal::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                         // 0: any free port (see ApiServer::port())
  std::string tls_cert;                 // PEM files; both empty = plain HTTP
  std::string tls_key;
  size_t worker_threads = 256;          // one per keep-alive connection in cpp-httplib's model
  size_t max_body_bytes = 1024 * 1024;  // over this: 413 RequestEntityTooLarge
  int keep_alive_seconds = 5;
  FILE* log = stderr;                   // one line per request; nullptr = no log
};

class ApiServer {
 public:
  // A server for `surfaces` (which must outlive it), asked in order which one claims a request's path; the last
  // should claim everything (the ARM surface). Fails if the TLS files cannot be loaded.
  static Result<std::unique_ptr<ApiServer>> Create(const ServerOptions& options, std::vector<const Surface*> surfaces);
  ~ApiServer();

  // Binds the listening socket; after this, port() is the real port.
  Status Bind();
  int port() const { return port_; }
  bool tls() const { return tls_; }

  // Serves until Stop(); requests in flight finish before it returns.
  Status Run();
  // Stops accepting; safe from any thread (but not from a signal handler: see RunUntilSignal).
  void Stop();

  // Runs, stopping on SIGTERM or SIGINT. Call before starting other threads: it blocks those signals in the
  // calling thread (so in every thread started after) and waits for them in a thread of its own.
  Status RunUntilSignal();

 private:
  ApiServer(const ServerOptions& options, std::vector<const Surface*> surfaces);  // out of line: httplib is incomplete here
  void Install();

  ServerOptions options_;
  std::vector<const Surface*> surfaces_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  bool tls_ = false;
};

}  // namespace openpal::api
