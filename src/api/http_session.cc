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

// `text` for the request log, in double quotes when `quote`: printable ASCII as is, `"` and `\` escaped with a
// backslash, every other byte (space too, when unquoted) as \xHH. A field can then neither end early nor break
// the line.
std::string LogQuoted(std::string_view text, bool quote = true) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  if (quote) out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c > 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else if (c == ' ' && quote) {
      out += ' ';
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (quote) out += '"';
  return out;
}

bool IsHttpParseError(const ErrorCode& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

template <class Stream>
class Session : public HttpSession, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  // `over_capacity`: the server has its most connections already; this one answers its first request with 503.
  template <class... Args>
  Session(HttpConnections& owner, uint64_t id, bool over_capacity, Args&&... args)
      : owner_(owner), id_(id), over_capacity_(over_capacity), stream_(std::forward<Args>(args)...) {}
  ~Session() override {
    ReleaseBody();
    owner_.Remove(id_);
  }

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
    // RFC 9112 §6.3: with a Transfer-Encoding whose final coding is not chunked the body's length cannot be known
    // (Beast would read "no body" and take the body for the next request: smuggling). 400, and close.
    if (head.count(http::field::transfer_encoding) && !parser_->chunked())
      return Refuse(InvalidRequestContent("a Transfer-Encoding whose last coding is not 'chunked' is not accepted."));
    // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host header.
    if (head.version() >= 11 && head.count(http::field::host) != 1)
      return Refuse(InvalidRequestContent("an HTTP/1.1 request needs exactly one Host header."));
    if (over_capacity_)
      return Refuse(ServiceUnavailable("the server has its most connections open; retry shortly."));
    if (parser_->is_done()) return OnRequest();
    // A body is read only for a caller that may use it (a verified token, the check after 413), and only while the
    // bodies being held fit the server's budget.
    if (auto refused = owner_.handler().RefuseBody(RequestOf(head))) return AnswerUnread(std::move(*refused));
    size_t want = parser_->content_length() ? static_cast<size_t>(*parser_->content_length())
                                            : owner_.limits().body_bytes;
    if (!owner_.ReserveBody(want))
      return Refuse(ServiceUnavailable("the server holds as many request bodies as it may; retry shortly."));
    reserved_ = want;
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
    if (ec == http::error::body_limit) return Refuse(BodyTooLarge());
    if (ec == http::error::header_limit)
      return Refuse(InvalidRequestContent("the request line and headers exceed " +
                                          std::to_string(owner_.limits().header_bytes) + " bytes."));
    if (IsHttpParseError(ec)) return Refuse(InvalidRequestContent("the HTTP request could not be parsed."));
    Close();
  }

  // Answers `status` as an ARM error without reading (more of) the request, then closes.
  void Refuse(const Status& status) {
    ArmError error = ToArmError(status);
    ApiResponse response;
    response.status = error.http_status;
    response.body = ArmErrorBody(error);
    if (error.retry_after > 0) response.headers.emplace_back("Retry-After", std::to_string(error.retry_after));
    AnswerUnread(std::move(response));
  }

  // Sends `response` to the request whose head was read (or not), leaving its body unread: the connection closes
  // after it, draining what the peer still sends.
  void AnswerUnread(ApiResponse response) {
    keep_alive_ = false;
    linger_ = true;
    head_only_ = false;
    method_ = "-";
    path_ = "-";
    correlation_.clear();
    if (parser_ && parser_->is_header_done()) {
      head_only_ = parser_->get().method() == http::verb::head;
      RequestOf(parser_->get());  // for the log line and the response's ids
    } else {
      correlation_ = NewGuid();
      request_id_ = NewGuid();
    }
    Respond(std::move(response));
  }

  // The request as surfaces see it, without its body; notes what the response and the log line need (method,
  // path, version, ids).
  ApiRequest RequestOf(const http::request<http::string_body>& message) {
    version_ = message.version();
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
    method_ = request.method;
    path_ = request.path;
    return request;
  }

  void OnRequest() {
    http::request<http::string_body> message = parser_->release();
    parser_.reset();
    keep_alive_ = message.keep_alive();
    head_only_ = message.method() == http::verb::head;
    linger_ = false;
    ApiRequest request = RequestOf(message);
    request.body = std::move(message.body());

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
    ReleaseBody();  // the handler is done with the body
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
    bool surface_caching = false, surface_nosniff = false;
    for (const auto& [name, value] : answer.headers) {
      surface_caching |= EqualsIgnoreCase(name, "Cache-Control");
      surface_nosniff |= EqualsIgnoreCase(name, "X-Content-Type-Options");
    }
    if (!surface_caching) {  // else the surface decides caching, and ARM's no-cache trio is left out
      out += "\r\nCache-Control: no-cache\r\nPragma: no-cache\r\nExpires: -1";
    }
    // Browsers must not guess another type than the one sent (a JSON body quoting the client is never a script).
    if (!surface_nosniff) out += "\r\nX-Content-Type-Options: nosniff";
    // Over TLS, browsers that reached this origin once keep to HTTPS for a year (RFC 6797). Not for subdomains:
    // the server does not know what else runs under its host name.
    if constexpr (kTls) out += "\r\nStrict-Transport-Security: max-age=31536000";
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
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3fms", ms);
    // Every field a client can influence is quoted and escaped (the decoded path may hold spaces, quotes, line
    // ends, any byte), so no request can forge the fields after it or a line of its own.
    std::string line = FormatIsoTime(Timestamp::Now()) + " " + LogQuoted(method_) + " " + LogQuoted(path_) + " " +
                       std::to_string(status_) + " " + duration + " request_id=" + LogQuoted(request_id_, false) +
                       (caller_.empty() ? "" : " caller=" + LogQuoted(caller_, false)) +
                       (detail_.empty() ? "" : " error=" + LogQuoted(detail_)) + "\n";
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

  void ReleaseBody() {
    if (reserved_ == 0) return;
    owner_.ReleaseBody(reserved_);
    reserved_ = 0;
  }

  void Close() {
    idle_ = false;
    ErrorCode ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  HttpConnections& owner_;
  const uint64_t id_;
  const bool over_capacity_;
  size_t reserved_ = 0;  // of the body budget, while a body is read and answered
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
  size_t open = OpenCount();
  if (open >= 2 * limits_.max_connections) return;  // far over: closed at once (the socket's destructor)
  uint64_t id = next_id_.fetch_add(1);
  auto loop = socket.get_executor();
  auto session = std::make_shared<PlainSession>(*this, id, open >= limits_.max_connections, std::move(socket));
  Add(id, session);
  // Started on the connection's own event loop (the acceptor runs on another one).
  asio::post(loop, [session] { session->Start(); });
}

void HttpConnections::StartTls(tcp::socket socket, asio::ssl::context& tls) {
  size_t open = OpenCount();
  if (open >= 2 * limits_.max_connections) return;
  uint64_t id = next_id_.fetch_add(1);
  auto loop = socket.get_executor();
  auto session = std::make_shared<TlsSession>(*this, id, open >= limits_.max_connections, std::move(socket), tls);
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

size_t HttpConnections::OpenCount() {
  std::lock_guard lock(mu_);
  return open_.size();
}

bool HttpConnections::ReserveBody(size_t bytes) {
  size_t now = body_reserved_.load(std::memory_order_relaxed);
  do {
    if (bytes > limits_.body_memory || now > limits_.body_memory - bytes) return false;
  } while (!body_reserved_.compare_exchange_weak(now, now + bytes, std::memory_order_relaxed));
  return true;
}

void HttpConnections::ReleaseBody(size_t bytes) { body_reserved_.fetch_sub(bytes, std::memory_order_relaxed); }

void HttpConnections::Remove(uint64_t id) {
  std::lock_guard lock(mu_);
  open_.erase(id);
}

}  // namespace openpal::api
