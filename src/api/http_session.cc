// The connection state machine of the HTTP edge, one template for plain TCP and TLS streams. Every step of a
// connection runs on its I/O thread's event loop (one thread per io_context, so the loop is the connection's
// strand); a handler that answers later posts its response back to that loop.
#include "api/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <unistd.h>

#include "api/arm_errors.h"
#include "api/http_target.h"
#include "core/guid.h"
#include "core/time.h"

namespace openpal::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

constexpr size_t kMaxCorrelationIdLength = 128;
// After an answer that leaves a request body unread (413, 400), or when closing, the peer may still be sending:
// closing at once would reset the connection and could destroy the answer before the client reads it. So the
// socket stops sending and drains what arrives, for at most this long and this much.
constexpr std::chrono::seconds kLingerTime{2};
constexpr size_t kLingerBytes = 16 * 1024 * 1024;

bool PrintableAscii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

// Request-log lines of this event-loop thread not yet written. Lines are written together once the loop has run
// the handlers already ready (a batch per round of events instead of a write per request), in writes of at most
// PIPE_BUF bytes so that concurrent writers never split a line, even on a pipe.
struct PendingLog {
  int fd = -1;
  std::string lines;
};
thread_local PendingLog pending_log;
constexpr size_t kLogBatchBytes = 4096;  // PIPE_BUF on Linux

void FlushLog() {
  if (pending_log.lines.empty()) return;
  (void)!::write(pending_log.fd, pending_log.lines.data(), pending_log.lines.size());
  pending_log.lines.clear();
}

std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

bool IsHttpParseError(const ErrorCode& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

template <class Stream>
class Session : public HttpSession, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... Args>
  Session(HttpConnections& owner, uint64_t id, Args&&... args)
      : owner_(owner), id_(id), stream_(std::forward<Args>(args)...) {}
  ~Session() override { owner_.Remove(id_); }

  void Start() {
    if (owner_.stopping()) return Close();
    if constexpr (kTls) {
      idle_ = true;
      Lowest().expires_after(owner_.limits().handshake);
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](ErrorCode ec) {
        self->idle_ = false;
        if (ec) return self->Close();
        self->ReadHead();
      });
    } else {
      ReadHead();
    }
  }

  void CloseIfIdle() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->Close();
    });
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void ReadHead() {
    if (owner_.stopping()) return Close();
    // After a large body, do not keep its buffer for the life of the connection.
    if (buffer_.size() == 0 && buffer_.capacity() > 64 * 1024) buffer_.shrink_to_fit();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(owner_.limits().header_bytes));
    parser_->body_limit(owner_.limits().body_bytes);
    idle_ = true;
    Lowest().expires_after(owner_.limits().idle);
    http::async_read_header(stream_, buffer_, *parser_, [self = this->shared_from_this()](ErrorCode ec, size_t) {
      self->OnHead(ec);
    });
  }

  void OnHead(ErrorCode ec) {
    idle_ = false;
    started_ = Clock::now();
    if (ec) return OnReadError(ec);
    auto& head = parser_->get();
    // 413 comes first of all checks (link-api.md), from the declared length alone: the body is never read.
    if (auto length = parser_->content_length(); length && *length > owner_.limits().body_bytes)
      return OnReadError(http::error::body_limit);
    if (parser_->is_done()) return OnRequest();
    if (beast::iequals(head[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, head.version());
      Lowest().expires_after(owner_.limits().io);
      http::async_write(stream_, *continue_, [self = this->shared_from_this()](ErrorCode ec, size_t) {
        self->continue_.reset();
        if (ec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    Lowest().expires_after(owner_.limits().io);
    http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](ErrorCode ec, size_t) {
      if (ec) return self->OnReadError(ec);
      self->OnRequest();
    });
  }

  // Answers what can be answered (a body too large, a request that does not parse); closes on anything else
  // (the peer left, a timeout, the server stopping).
  void OnReadError(ErrorCode ec) {
    Status status;
    if (ec == http::error::body_limit) {
      status = BodyTooLarge();
    } else if (ec == http::error::header_limit) {
      status = InvalidRequestContent("the request line and headers exceed " +
                                     std::to_string(owner_.limits().header_bytes) + " bytes.");
    } else if (IsHttpParseError(ec)) {
      status = InvalidRequestContent("the HTTP request could not be parsed.");
    } else {
      return Close();
    }
    keep_alive_ = false;
    linger_ = true;
    head_only_ = false;
    method_ = "-";
    path_ = "-";
    correlation_.clear();
    if (parser_ && parser_->is_header_done()) {
      const auto& head = parser_->get();
      method_ = std::string(head.method_string());
      path_ = ParseRequestTarget(View(head.target())).path;
      version_ = head.version();
      correlation_ = std::string(head["x-ms-correlation-request-id"]);
    }
    if (correlation_.empty() || correlation_.size() > kMaxCorrelationIdLength || !PrintableAscii(correlation_))
      correlation_ = NewGuid();
    request_id_ = NewGuid();
    ArmError error = ToArmError(status);
    ApiResponse response;
    response.status = error.http_status;
    response.body = ArmErrorBody(error);
    Respond(std::move(response));
  }

  void OnRequest() {
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    head_only_ = message.method() == http::verb::head;
    linger_ = false;

    ApiRequest request;
    request.method = std::string(message.method_string());
    RequestTarget target = ParseRequestTarget(View(message.target()));
    request.path = std::move(target.path);
    request.query = std::move(target.query);
    for (const auto& [key, value] : request.query) {
      if (EqualsIgnoreCase(key, "api-version")) {
        request.api_version = value;
        break;
      }
    }
    request.headers.reserve(8);
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      if (!request.authorization && field.name() == http::field::authorization)
        request.authorization = std::string(field.value());
    }
    correlation_ = std::string(message["x-ms-correlation-request-id"]);
    if (correlation_.empty() || correlation_.size() > kMaxCorrelationIdLength || !PrintableAscii(correlation_))
      correlation_ = NewGuid();
    request_id_ = NewGuid();
    request.request_id = request_id_;
    request.body = std::move(message.body());
    method_ = request.method;
    path_ = request.path;

    // The executor tracks work while an answer is pending, so the event loop cannot run out of work and return
    // while a blocking-pool thread still computes it.
    auto loop = asio::prefer(stream_.get_executor(), asio::execution::outstanding_work.tracked);
    owner_.handler().Handle(std::move(request), [self = this->shared_from_this(), loop](ApiResponse response) {
      asio::dispatch(loop, [self, response = std::move(response)]() mutable { self->Respond(std::move(response)); });
    });
  }

  // Writes `answer` with the headers every response carries (link-api.md "Bodies"). The response is one buffer
  // serialized here (Beast's serializer cost more CPU than the rest of a cached GET): one write, one TLS record.
  void Respond(ApiResponse answer) {
    keep_ = keep_alive_ && !owner_.stopping();
    std::string& out = out_;
    out.clear();
    out.reserve(320 + answer.body.size());
    out += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(answer.status);
    out += ' ';
    beast::string_view reason = http::obsolete_reason(static_cast<http::status>(answer.status));
    out.append(reason.data(), reason.size());
    AppendField(out, "x-ms-request-id", request_id_);
    AppendField(out, "x-ms-correlation-request-id", correlation_);
    bool surface_caching = false;
    for (const auto& [name, value] : answer.headers) surface_caching |= EqualsIgnoreCase(name, "Cache-Control");
    if (!surface_caching) {  // else the surface decides caching, and ARM's no-cache trio is left out
      out += "\r\nCache-Control: no-cache\r\nPragma: no-cache\r\nExpires: -1";
    }
    for (const auto& [name, value] : answer.headers) AppendField(out, name, value);
    AppendField(out, "Content-Type", answer.content_type);  // also on an empty body (DELETE), as the spec asks
    AppendField(out, "Content-Length", std::to_string(answer.body.size()));  // HEAD: what a GET would send
    if (!keep_) {
      out += "\r\nConnection: close";
    } else if (version_ == 10) {
      out += "\r\nConnection: keep-alive";
    }
    out += "\r\n\r\n";
    if (!head_only_) out += answer.body;
    status_ = answer.status;
    caller_ = std::move(answer.caller);
    detail_ = std::move(answer.log_detail);
    Lowest().expires_after(owner_.limits().io);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this()](ErrorCode ec, size_t) { self->OnWritten(ec); });
  }

  // "\r\nName: value", with CR and LF dropped from both so no header can inject another.
  static void AppendField(std::string& out, std::string_view name, std::string_view value) {
    out += "\r\n";
    for (char c : name)
      if (c != '\r' && c != '\n') out += c;
    out += ": ";
    for (char c : value)
      if (c != '\r' && c != '\n') out += c;
  }

  void OnWritten(ErrorCode ec) {
    WriteLogLine();
    if (out_.capacity() > 64 * 1024) std::string().swap(out_);  // keep a small buffer between requests, not a big one
    if (ec) return Close();
    if (linger_ || !keep_) return CloseGracefully();
    ReadHead();
  }

  // One line per request: time, method, path (no query), status, duration, request id, caller, internal error.
  void WriteLogLine() {
    FILE* log = owner_.log();
    if (!log) return;
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
    std::string path = path_;
    for (char& c : path)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';  // a log line stays one line
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3fms", ms);
    std::string line = FormatIsoTime(Timestamp::Now()) + " " + method_ + " " + path + " " + std::to_string(status_) +
                       " " + duration + " request_id=" + request_id_ + (caller_.empty() ? "" : " caller=" + caller_) +
                       (detail_.empty() ? "" : " error=\"" + detail_ + "\"") + "\n";
    int fd = fileno(log);
    if (pending_log.fd != fd || pending_log.lines.size() + line.size() > kLogBatchBytes) {
      FlushLog();
      pending_log.fd = fd;
    }
    if (line.size() > kLogBatchBytes) {  // a long error detail: alone, in one write
      (void)!::write(fd, line.data(), line.size());
      return;
    }
    bool first = pending_log.lines.empty();
    pending_log.lines += line;
    // Runs after the handlers ready now: under load many lines share one write; when idle it runs at once.
    if (first) asio::post(stream_.get_executor(), [] { FlushLog(); });
  }

  // TLS: close_notify, then close (bounded). Plain, or after an unread body: stop sending, drain, then close.
  void CloseGracefully() {
    if constexpr (kTls) {
      if (!linger_) {
        Lowest().expires_after(kLingerTime);
        stream_.async_shutdown([self = this->shared_from_this()](ErrorCode) { self->Close(); });
        return;
      }
    }
    ErrorCode ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    drain_.resize(16 * 1024);
    Lowest().expires_after(kLingerTime);
    Drain();
  }

  void Drain() {
    Lowest().async_read_some(asio::buffer(drain_), [self = this->shared_from_this()](ErrorCode ec, size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > kLingerBytes) return self->Close();
      self->Drain();
    });
  }

  void Close() {
    idle_ = false;
    ErrorCode ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  HttpConnections& owner_;
  const uint64_t id_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::string out_;  // the response being written
  std::vector<char> drain_;
  size_t drained_ = 0;
  bool idle_ = false;  // waiting for a request (or in the TLS handshake): Stop may close it
  bool keep_alive_ = false, keep_ = false, head_only_ = false, linger_ = false;
  unsigned version_ = 11;
  Clock::time_point started_{};
  // The request being answered, for the response's headers and the log line.
  std::string method_, path_, request_id_, correlation_, caller_, detail_;
  int status_ = 0;
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace

void HttpConnections::StartPlain(tcp::socket socket) {
  uint64_t id = next_id_.fetch_add(1);
  auto loop = socket.get_executor();
  auto session = std::make_shared<PlainSession>(*this, id, std::move(socket));
  Add(id, session);
  // Started on the connection's own event loop (the acceptor runs on another one).
  asio::post(loop, [session] { session->Start(); });
}

void HttpConnections::StartTls(tcp::socket socket, asio::ssl::context& tls) {
  uint64_t id = next_id_.fetch_add(1);
  auto loop = socket.get_executor();
  auto session = std::make_shared<TlsSession>(*this, id, std::move(socket), tls);
  Add(id, session);
  asio::post(loop, [session] { session->Start(); });
}

void HttpConnections::StopAll() {
  stopping_ = true;
  std::vector<std::shared_ptr<HttpSession>> open;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, weak] : open_)
      if (auto session = weak.lock()) open.push_back(std::move(session));
  }
  // Released outside the lock: dropping the last reference runs ~Session, which takes the lock.
  for (auto& session : open) session->CloseIfIdle();
}

void HttpConnections::Add(uint64_t id, std::weak_ptr<HttpSession> session) {
  std::lock_guard lock(mu_);
  open_.emplace(id, std::move(session));
}

void HttpConnections::Remove(uint64_t id) {
  std::lock_guard lock(mu_);
  open_.erase(id);
}

}  // namespace openpal::api
