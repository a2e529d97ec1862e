#pragma once
// A bare HTTP/1.1 client on POSIX sockets for the server tests: it sends exactly the bytes a test
// gives it (slow, partial, malformed or oversized requests a real client would refuse to send) and
// parses the answer independently of Beast.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace tessera::testing {

struct RawResponse {
  int status = 0;       // 0: the connection closed (or timed out) before a status line arrived
  std::string headers;  // the header block as received, lower-cased
  std::string body;     // a chunked one decoded
  int chunks = 0;       // chunked: the data chunks it came in
};

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("connect() to 127.0.0.1:" + std::to_string(port) + " failed");
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False when the peer has closed (EPIPE/ECONNRESET).
  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // One response (Content-Length framed), or status 0 when the connection ends first or
  // `timeout` passes.
  RawResponse read_response(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    RawResponse response;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t header_end;
    while ((header_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!receive(deadline)) return response;
    }
    const std::string head = pending_.substr(0, header_end);
    pending_.erase(0, header_end + 4);
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) return response;
    response.status = std::stoi(head.substr(9, 3));
    for (char c : head) response.headers += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (response.headers.find("transfer-encoding: chunked") != std::string::npos) {
      return read_chunks(std::move(response), deadline);
    }
    std::size_t length = 0;
    const std::size_t at = response.headers.find("content-length:");
    if (at != std::string::npos) length = std::stoul(response.headers.substr(at + 15));
    while (pending_.size() < length) {
      if (!receive(deadline)) break;
    }
    response.body = pending_.substr(0, length);
    pending_.erase(0, std::min(length, pending_.size()));
    return response;
  }

  // True when the server closes the connection within `timeout` (reads and drops what arrives).
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return true;
    }
  }

 private:
  // The chunked body after the head: chunk sizes in hex, each chunk, then "0" and an empty line.
  RawResponse read_chunks(RawResponse response, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      std::size_t line_end;
      while ((line_end = pending_.find("\r\n")) == std::string::npos) {
        if (!receive(deadline)) return RawResponse{};
      }
      const std::size_t size = std::stoul(pending_.substr(0, line_end), nullptr, 16);
      while (pending_.size() < line_end + 2 + size + 2) {
        if (!receive(deadline)) return RawResponse{};
      }
      response.body += pending_.substr(line_end + 2, size);
      pending_.erase(0, line_end + 2 + size + 2);
      if (size == 0) return response;
      ++response.chunks;
    }
  }

  bool receive(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string pending_;
};

// "GET path" or "POST path" with a Content-Length body, HTTP/1.1, keep-alive.
inline std::string http_request(const std::string& method, const std::string& path, const std::string& body = "",
                                const std::string& extra_headers = "") {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (method != "GET" || !body.empty()) r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

}  // namespace tessera::testing
