// `pal serve`'s HTTP edge: the listening socket, one event loop per I/O thread, the blocking pool, dispatch through
// the route table, TLS setup and signals. Connections themselves are http_session.cc.
#include "api/server.h"

#include <csignal>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <openssl/ssl.h>

#include "api/http_pool.h"
#include "api/http_session.h"

namespace openpal::api {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// The kernel caps this at net.core.somaxconn (4096 on current kernels): a burst of new connections (64 clients
// starting at once) must not overflow it, or dropped SYNs are retried only after a second.
constexpr int kListenBacklog = 4096;

// TLS 1.2 suites offered: forward secrecy (ECDHE or DHE key exchange) and AEAD ciphers only; TLS 1.3's suites all
// are. Static-RSA key exchange (no forward secrecy) and CBC suites are refused.
constexpr const char* kTls12Ciphers =
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL:!PSK:!SRP:!DSS";

}  // namespace

struct ApiServer::Impl : RequestHandler {
  Impl(const ServerOptions& o, const RouteTable& r)
      : options(o),
        routes(r),
        connections(*this,
                    HttpLimits{o.max_header_bytes, o.max_body_bytes, std::chrono::seconds(o.keep_alive_seconds),
                               std::chrono::seconds(o.io_timeout_seconds),
                               std::chrono::seconds(o.handshake_timeout_seconds), o.max_connections, o.body_memory},
                    o.log),
        pool(o.worker_threads) {
    size_t threads = options.io_threads ? options.io_threads : std::max(1u, std::thread::hardware_concurrency());
    for (size_t i = 0; i < threads; ++i) {
      // Each loop is run by exactly one thread: it is the strand of every connection it owns.
      loops.push_back(std::make_unique<asio::io_context>(1));
      keep_running.push_back(asio::make_work_guard(*loops.back()));
    }
    retry.emplace(*loops.front());
  }

  std::optional<ApiResponse> RefuseBody(const ApiRequest& head) override { return routes.RefuseBody(head); }

  // Routes that never block (cached ARM GETs, the portal's files, 404s and 405s) are answered on the event loop;
  // the others (a durable SQLite commit, a report query) on the pool.
  void Handle(ApiRequest request, std::function<void(ApiResponse)> done) override {
    RouteTable::Match match = routes.Find(request);
    if (!match.blocks()) {
      done(routes.Answer(match, request));
      return;
    }
    pool.Submit([this, match = std::move(match), request = std::move(request), done = std::move(done)] {
      done(routes.Answer(match, request));
    });
  }

  void Accept() {
    asio::io_context& loop = *loops[next_loop++ % loops.size()];
    acceptor->async_accept(loop, [this](ErrorCode ec, tcp::socket socket) {
      if (!acceptor->is_open()) return;  // stopped
      if (ec) {
        // Out of descriptors or memory, or the peer already left: pause briefly rather than spin, then go on.
        retry->expires_after(std::chrono::milliseconds(50));
        retry->async_wait([this](ErrorCode) {
          if (acceptor->is_open()) Accept();
        });
        return;
      }
      ErrorCode ignored;
      // Without it every keep-alive response can wait ~40 ms for the client's delayed ACK.
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls) {
        connections.StartTls(std::move(socket), *tls);
      } else {
        connections.StartPlain(std::move(socket));
      }
      Accept();
    });
  }

  // Runs one loop until it has no work left, surviving an exception escaping a handler.
  void RunLoop(asio::io_context& loop) {
    while (true) {
      try {
        loop.run();
        return;
      } catch (const std::exception& e) {
        if (options.log) std::fprintf(options.log, "pal serve: event loop: %s\n", e.what());
      }
    }
  }

  ServerOptions options;
  const RouteTable& routes;
  std::optional<asio::ssl::context> tls;
  HttpConnections connections;  // outlives the loops: connections remove themselves from it when destroyed
  std::vector<std::unique_ptr<asio::io_context>> loops;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;  // until Stop()
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> retry;  // on loop 0, with the acceptor
  size_t next_loop = 0;
  std::mutex stop_mu;
  bool stopped = false;
  BlockingPool pool;  // declared last, destroyed first: its tasks finish while the loops still exist
};

Result<std::unique_ptr<ApiServer>> ApiServer::Create(const ServerOptions& options, const RouteTable& routes) {
  if (options.tls_cert.empty() != options.tls_key.empty())
    return Status::Error(StatusCode::kInvalidArgument, "--tls-cert and --tls-key go together", "--tls-cert");
  auto impl = std::make_unique<Impl>(options, routes);
  if (!options.tls_cert.empty()) {
    auto& tls = impl->tls.emplace(asio::ssl::context::tls_server);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                    asio::ssl::context::no_compression);
    if (SSL_CTX_set_cipher_list(tls.native_handle(), kTls12Ciphers) != 1)
      return Status::Error(StatusCode::kInvalidArgument, "OpenSSL offers none of the TLS 1.2 suites wanted", kTls12Ciphers);
    SSL_CTX_set_dh_auto(tls.native_handle(), 1);  // DHE with a group sized to the certificate's key
    ErrorCode cert_error, key_error;
    tls.use_certificate_chain_file(options.tls_cert, cert_error);
    tls.use_private_key_file(options.tls_key, asio::ssl::context::pem, key_error);
    if (cert_error || key_error || SSL_CTX_check_private_key(tls.native_handle()) != 1)
      return Status::Error(StatusCode::kInvalidArgument, "cannot load the certificate and key (PEM files, matching pair expected)",
                           options.tls_cert + ", " + options.tls_key);
  }
  bool tls = impl->tls.has_value();
  std::unique_ptr<ApiServer> server(new ApiServer(std::move(impl)));
  server->tls_ = tls;
  return server;
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() {
  // Run() returns as soon as Stop() releases the last loop, while Stop() may still be finishing on another thread
  // (RunUntilSignal's waiter): wait for it, so it never touches a destroyed server.
  if (impl_) std::lock_guard lock(impl_->stop_mu);
}

Status ApiServer::Bind() {
  Impl& impl = *impl_;
  const ServerOptions& o = impl.options;
  std::string where = o.host + ":" + std::to_string(o.port);
  ErrorCode ec;
  tcp::resolver resolver(*impl.loops.front());
  auto found = resolver.resolve(o.host, std::to_string(o.port),
                                tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || found.empty())
    return Status::Error(StatusCode::kIoError, "cannot listen on " + where + " (unknown host: " + ec.message() + ")",
                         "--listen");
  tcp::endpoint endpoint = found.begin()->endpoint();
  auto& acceptor = impl.acceptor.emplace(*impl.loops.front());
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(kListenBacklog, ec);
  if (ec) {
    impl.acceptor.reset();
    return Status::Error(StatusCode::kIoError, "cannot listen on " + where + " (" + ec.message() + ")", "--listen");
  }
  port_ = acceptor.local_endpoint().port();
  return Status::Ok();
}

Status ApiServer::Run() {
  Impl& impl = *impl_;
  if (!impl.acceptor) return Status::Error(StatusCode::kIoError, "Run() before a successful Bind()");
  impl.Accept();
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl.loops.size(); ++i)
    threads.emplace_back([&impl, i] { impl.RunLoop(*impl.loops[i]); });
  impl.RunLoop(*impl.loops.front());
  for (auto& thread : threads) thread.join();
  return Status::Ok();
}

void ApiServer::Stop() {
  Impl& impl = *impl_;
  std::lock_guard lock(impl.stop_mu);
  if (impl.stopped) return;
  impl.stopped = true;
  asio::post(*impl.loops.front(), [&impl] {
    ErrorCode ignored;
    if (impl.acceptor) impl.acceptor->close(ignored);
    impl.retry->cancel();
  });
  impl.connections.StopAll();
  // Each loop now returns once its last connection has answered and closed.
  for (auto& guard : impl.keep_running) guard.reset();
}

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
