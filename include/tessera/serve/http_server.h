#pragma once
// The HTTP/1.1 layer of `tessera serve`, on Boost.Beast (src/serve/http_server_beast.cpp is the only file
// that sees Beast or Asio). Asynchronous: a connection costs memory, not a thread, however slowly
// its client sends; `threads` I/O threads serve every connection.
//
// A response may be streamed (ResponseStream: server-sent events of a generation).
//
// Limits are enforced before work is done: a request line and headers must arrive within
// header_timeout (else the connection is closed), a Content-Length over max_body_bytes is answered
// 413 before the body is read, a chunked body is cut off (413) as soon as it passes the limit,
// and the body must arrive within body_timeout. Bodies are never decompressed.
//
// The handler is called on an I/O thread and must not block: it answers through `Reply`, from any
// thread, exactly once (a batcher's callback, say); a Reply called after the server is gone does
// nothing. Graceful shutdown: stop_accepting() closes the listener, wait_idle() waits for the
// requests in flight; the destructor closes what is left. Neither may be called from the handler.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace tessera::serve {

namespace detail {
struct HttpServerState;  // src/serve/http_server_beast.cpp
}

struct HttpLimits {
  std::size_t max_body_bytes = 32u << 20;
  std::size_t max_header_bytes = 16u << 10;
  std::chrono::milliseconds header_timeout{10'000};  // request line and headers, and keep-alive idle time
  std::chrono::milliseconds body_timeout{60'000};
  std::chrono::milliseconds write_timeout{60'000};
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent, e.g. "/v2/models/digits/infer"
  HttpHeaders headers;
  std::string body;
  std::uint64_t id = 0;  // per server, in arrival order: what request logs name

  // The first header of that name (case-insensitive), or "" when absent.
  std::string header(const std::string& name) const;
};

// The body of a response sent as it is made (server-sent events): written with chunked
// transfer encoding, each piece as soon as the connection can take it. The producer calls
// write() and then finish() once, from any thread; neither blocks. Pieces written after the
// client went away are dropped (closed() turns true), so a producer may stop early.
class ResponseStream {
 public:
  void write(std::string piece);
  void finish();
  bool closed() const;

  // The server's side. take() moves out what is queued; `finished` when finish() was called and
  // everything is taken. on_ready() is called once, on the producer's thread, when there is
  // something to take (at once when there already is); close() drops what comes.
  std::string take(bool& finished);
  void on_ready(std::function<void()> ready);
  void close();

 private:
  mutable std::mutex mutex_;
  std::string pending_;
  bool finished_ = false, closed_ = false;
  std::function<void()> ready_;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  HttpHeaders headers;  // extra ones, e.g. {"Retry-After", "1"}
  // Set: the body is this stream instead of `body` (a streamed answer starts with 200 and its
  // headers at once; errors found later must travel inside the stream).
  std::shared_ptr<ResponseStream> stream;
};

// {"error": message} with `status`: the body every error answer carries.
HttpResponse error_response(int status, const std::string& message);

using Reply = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest, Reply)>;

// What the server has seen, for /metrics and tests.
struct HttpCounters {
  std::uint64_t connections = 0;         // accepted
  std::uint64_t requests = 0;            // handed to the handler
  std::uint64_t rejected_too_large = 0;  // answered 413 by the server itself
  std::uint64_t timed_out = 0;           // connections closed for a slow request (not idle keep-alive ones)
  std::uint64_t in_flight = 0;           // handed to the handler and not yet answered
};

class HttpServer {
 public:
  // Listens on host:port (port 0: one the system picks, see port()) and serves at once.
  // Throws std::runtime_error naming the address when it cannot listen.
  HttpServer(const std::string& host, std::uint16_t port, int threads, HttpLimits limits, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  // Closes the listener: new connections are refused; open ones finish their current request and
  // are closed instead of kept alive.
  void stop_accepting();
  // Waits until no request is in flight or `deadline` passes; true when none is left.
  bool wait_idle(std::chrono::steady_clock::time_point deadline);
  HttpCounters counters() const;

 private:
  std::shared_ptr<detail::HttpServerState> state_;
};

}  // namespace tessera::serve
