// Fuzzes the HTTP edge of `pal serve` (src/api/http_session.cc, http_target.cc): the fuzzer's bytes are what a
// client sends on one plain connection (pipelined requests included). The real session reads them (Beast's parser
// with the server's limits, then openpal's own checks and the request target's decoding) from one end of an
// in-process socketpair: no network, no port. A handler stands in for the surfaces (tests/fuzz of the routes is
// routes_fuzz.cc). Oracle: what comes back is a well-formed sequence of responses, one per request handled plus at
// most one error (after any 100 Continue), each with a status line, header lines without CR or LF inside, and the body Content-Length says.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "api/http_session.h"
#include "fuzz_util.h"

using namespace openpal;
using namespace openpal::api;
using fuzz::Violated;

namespace {

class EchoHandler : public RequestHandler {
 public:
  void Handle(ApiRequest request, std::function<void(ApiResponse)> done) override {
    if (request.method.empty()) Violated("a request without a method was handled");
    head_only.push_back(request.method == "HEAD");
    ApiResponse response;
    response.body = "{\"ok\":true}";
    // Marks the handler's answers apart from the edge's own (a missing Host, a bad Transfer-Encoding, a refused body).
    response.headers.emplace_back("X-Fuzz-Handled", request.method == "HEAD" ? "head" : "full");
    // A query value echoed as a response header: the edge must drop CR and LF from it.
    if (auto echo = request.Query("echo")) response.headers.emplace_back("X-Echo", *echo);
    response.caller = request.path;  // logged: the log line must stay one line whatever the path holds
    done(std::move(response));
  }
  // Every body is read, so that the body framing (Content-Length, chunked) is what this target fuzzes; the refusal
  // before the body is the routes target's and the server tests' concern.
  std::optional<ApiResponse> RefuseBody(const ApiRequest&) override { return std::nullopt; }
  std::vector<bool> head_only;
};

void Drain(int fd, std::string& out) {
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return;
    out.append(buffer, static_cast<size_t>(n));
  }
}

// Checks `out` against the requests handled (in order) and at most one error response after them.
void CheckResponses(const std::string& out, const std::vector<bool>& head_only) {
  size_t pos = 0, index = 0;
  while (pos < out.size()) {
    if (index > head_only.size()) Violated("more responses than requests handled plus one error");
    bool head = index < head_only.size() && head_only[index];
    size_t end = out.find("\r\n\r\n", pos);
    if (end == std::string::npos) Violated("a response without the end of its head");
    std::string_view block(out.data() + pos, end - pos);
    if (block.substr(0, 9) != "HTTP/1.1 " && block.substr(0, 9) != "HTTP/1.0 ")
      Violated("a response does not start with a status line");
    if (block.size() > 9 && block[9] == '1') {  // an interim response (100 Continue): no body, and the final answer follows
      if (block.find("\r\n") != std::string_view::npos) Violated("an interim response with header fields");
      pos = end + 4;
      continue;
    }
    long long length = -1;
    const bool handled = block.find("\r\nX-Fuzz-Handled: ") != std::string_view::npos;
    if (handled) head = block.find("\r\nX-Fuzz-Handled: head") != std::string_view::npos;
    size_t line_start = block.find("\r\n");
    while (line_start != std::string_view::npos) {
      size_t next = block.find("\r\n", line_start + 2);
      std::string_view line = block.substr(line_start + 2, next == std::string_view::npos ? std::string_view::npos
                                                                                            : next - line_start - 2);
      if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos)
        Violated("a response header line holds a CR or LF");
      if (line.find(": ") == std::string_view::npos) Violated("a response header line without ': '");
      if (line.substr(0, 16) == "Content-Length: ") length = std::stoll(std::string(line.substr(16)));
      line_start = next;
    }
    if (length < 0) Violated("a response without Content-Length");
    pos = end + 4 + (head ? 0 : static_cast<size_t>(length));
    // The edge's own answer to a HEAD request has no body: it is then the last thing on the connection.
    if (!handled && pos > out.size()) pos = end + 4;
    if (pos > out.size()) Violated("a response body shorter than its Content-Length");
    ++index;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static boost::asio::io_context io(1);
  static FILE* log = std::fopen("/dev/null", "w");
  static EchoHandler handler;
  static HttpConnections connections(handler, HttpLimits{}, log);
  handler.head_only.clear();

  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) Violated("socketpair failed");
  int client = fds[1];
  ::fcntl(client, F_SETFL, O_NONBLOCK);
  size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::write(client, data + sent, size - sent);
    if (n <= 0) break;  // the socket's buffer is full: the rest is never sent, as if the client stalled and left
    sent += static_cast<size_t>(n);
  }
  ::shutdown(client, SHUT_WR);

  boost::asio::ip::tcp::socket server(io);
  boost::system::error_code ec;
  server.assign(boost::asio::ip::tcp::v4(), fds[0], ec);
  if (ec) Violated("cannot adopt the socket");
  io.restart();
  connections.StartPlain(std::move(server));
  // Runs the connection to its end, reading what it writes as it goes so that a long answer never blocks it.
  std::string out;
  for (;;) {
    size_t ran = io.poll();
    Drain(client, out);
    if (io.stopped()) break;
    if (ran == 0) io.run_one_for(std::chrono::milliseconds(5));
  }
  Drain(client, out);
  ::close(client);
  CheckResponses(out, handler.head_only);
  return 0;
}
