// A bare TLS client connection for the integration tests, so a test can send exactly the bytes it wants.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>

#include <openssl/ssl.h>

namespace openpal::api::testing {

// A bare TLS connection, so a test can send exactly the bytes it wants. Reads time out after 5 s.
class RawTls {
 public:
  // `configure` may restrict the client's TLS versions and suites before it connects.
  explicit RawTls(int port, const std::function<void(SSL_CTX*)>& configure = {}) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (configure) configure(ctx_);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    connected_ = connected_ && SSL_connect(ssl_) == 1;
  }
  ~RawTls() {
    SSL_free(ssl_);
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) { SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())); }
  // Reads one response's head only (a HEAD answer has no body); "" on timeout.
  std::string ReadHead() {
    std::string data;
    char c;
    while (data.size() < 4 || data.compare(data.size() - 4, 4, "\r\n\r\n") != 0) {
      if (SSL_read(ssl_, &c, 1) != 1) return "";
      data += c;
    }
    return data;
  }
  // Seconds until the server closes the connection (reads discarded), waiting at most `limit` seconds.
  double SecondsUntilClosed(int limit) {
    timeval tv{limit, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    auto started = std::chrono::steady_clock::now();
    char buf[4096];
    while (SSL_read(ssl_, buf, sizeof buf) > 0) {
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  // Reads one response's head and Content-Length body; "" on timeout.
  std::string ReadResponse() {
    std::string data;
    char buf[4096];
    while (true) {
      size_t head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t cl = data.find("Content-Length: ");
        size_t length = cl == std::string::npos ? 0 : std::strtoul(data.c_str() + cl + 16, nullptr, 10);
        if (data.size() >= head_end + 4 + length) return data.substr(0, head_end + 4 + length);
      }
      int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) return "";
      data.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace openpal::api::testing
