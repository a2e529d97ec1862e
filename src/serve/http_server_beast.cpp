// HttpServer on Boost.Beast: one listener, one Session per connection, all asynchronous on
// `threads` I/O threads (each connection on its own strand). The only file that sees Beast/Asio.
//
// Lifetime: a Session lives as long as an asynchronous operation or the server's `waiting`
// registry holds it (the registry keeps it while the handler works, so a Reply needs no pointer
// that could outlive the I/O context). Replies reach the session by posting to its strand under
// the state mutex; once the server is stopping they are dropped.
#include "tessera/serve/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace tessera::serve {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Connection errors that end a connection quietly: the client went away or the server stops.
bool quiet_end(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::operation_aborted || ec == net::error::broken_pipe || ec == net::error::not_connected;
}

}  // namespace

class Session;

namespace detail {

struct HttpServerState : std::enable_shared_from_this<HttpServerState> {
  HttpLimits limits;
  HttpHandler handler;
  std::optional<net::io_context> io;
  // Keeps the I/O threads running while no operation is pending (a closed listener and requests
  // that all wait for the handler's answer would otherwise let io_context::run() return).
  std::optional<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::atomic<bool> accepting{true};
  std::atomic<std::uint64_t> next_id{0};
  std::atomic<std::uint64_t> connections{0}, requests{0}, rejected_too_large{0}, timed_out{0};

  std::mutex mutex;  // guards alive, waiting
  std::condition_variable idle;
  bool alive = true;
  std::unordered_map<std::uint64_t, std::shared_ptr<Session>> waiting;  // requests with the handler

  void accept();
};

}  // namespace detail

using State = detail::HttpServerState;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, State& state) : stream_(std::move(socket)), state_(state) {}

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // On the session's strand: the handler's answer to request `id`.
  void answer(std::uint64_t id, HttpResponse response) { write(std::move(response), id); }

  beast::tcp_stream::executor_type executor() { return stream_.get_executor(); }

 private:
  void read_header() {
    if (!state_.accepting) return lingering_close();  // draining: no new request on this connection
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_.limits.max_header_bytes));
    parser_->body_limit(state_.limits.max_body_bytes);
    stream_.expires_after(state_.limits.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      // A kept-alive connection with no new request is idle, not slow: close it quietly. A new
      // connection that has not sent its request in time, or any partial request, counts.
      if (served_ == 0 || parser_->got_some() || buffer_.size() > 0) ++state_.timed_out;
      return close();
    }
    if (ec == http::error::body_limit) return refuse_too_large();  // Content-Length over the limit
    if (ec == http::error::header_limit) return refuse(431, "request headers are larger than the server accepts");
    if (ec) return quiet_end(ec) ? close() : refuse(400, "malformed HTTP request: " + ec.message());
    const auto length = parser_->content_length();
    if (length && *length > state_.limits.max_body_bytes) return refuse_too_large();
    stream_.expires_after(state_.limits.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      ++state_.timed_out;
      return close();
    }
    if (ec == http::error::body_limit) return refuse_too_large();  // a chunked body past the limit
    if (ec) return quiet_end(ec) ? close() : refuse(400, "malformed HTTP request: " + ec.message());
    stream_.expires_never();  // the handler's time is bounded by its own timeout, not the socket's
    http::request<http::string_body> message = parser_->release();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    ++served_;

    HttpRequest request;
    request.id = ++state_.next_id;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) request.headers.emplace_back(field.name_string(), field.value());
    request.body = std::move(message.body());
    const std::uint64_t id = request.id;
    {
      const std::lock_guard lock(state_.mutex);
      state_.waiting.emplace(id, shared_from_this());
    }
    ++state_.requests;
    Reply reply = [weak_state = state_.weak_from_this(), weak_self = weak_from_this(), id,
                   answered = std::make_shared<std::atomic<bool>>(false)](HttpResponse response) {
      if (answered->exchange(true)) return;  // exactly once
      // Undeliverable (the server or the connection is gone): a stream's producer may stop.
      const auto drop = [&response] {
        if (response.stream) response.stream->close();
      };
      const auto state = weak_state.lock();
      if (!state) return drop();
      const std::lock_guard lock(state->mutex);
      if (!state->alive) return drop();
      if (auto self = weak_self.lock()) {
        net::post(self->executor(),
                  [self, id, response = std::move(response)]() mutable { self->answer(id, std::move(response)); });
      } else {
        drop();
      }
    };
    try {
      state_.handler(std::move(request), reply);
    } catch (const std::exception& e) {
      reply(error_response(500, std::string("internal error: ") + e.what()));
    }
  }

  void refuse_too_large() {
    ++state_.rejected_too_large;
    refuse(413, "the request body is larger than the server accepts (" + std::to_string(state_.limits.max_body_bytes) +
                    " bytes; serve.max_request_mb)");
  }

  // An answer the server gives itself; the connection then closes (the rest of the request is
  // not read, so the stream cannot be trusted for another one).
  void refuse(int status, const std::string& message) {
    keep_alive_ = false;
    write(error_response(status, message), 0);
  }

  // `id` != 0: the answer to a request the handler had; it leaves the registry once written.
  void write(HttpResponse answer, std::uint64_t id) {
    if (answer.stream) return write_stream(std::move(answer), id);
    response_ = {};
    response_.version(version_);
    response_.result(static_cast<unsigned>(answer.status));
    response_.set(http::field::server, "tessera");
    response_.set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) response_.set(name, value);
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive_ && state_.accepting);
    response_.prepare_payload();
    stream_.expires_after(state_.limits.write_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), id](beast::error_code ec, std::size_t) { self->on_write(ec, id); });
  }

  void on_write(beast::error_code ec, std::uint64_t id) { done_writing(ec, id, response_.keep_alive()); }

  // A streamed answer: the head with chunked transfer encoding, then each piece the producer
  // writes as one chunk, as soon as the previous one is out (pieces that arrive meanwhile are
  // sent together), then the last chunk.
  void write_stream(HttpResponse answer, std::uint64_t id) {
    stream_head_ = {};
    stream_head_.version(version_);
    stream_head_.result(static_cast<unsigned>(answer.status));
    stream_head_.set(http::field::server, "tessera");
    stream_head_.set(http::field::content_type, answer.content_type);
    stream_head_.set(http::field::cache_control, "no-cache");
    for (const auto& [name, value] : answer.headers) stream_head_.set(name, value);
    stream_head_.keep_alive(keep_alive_ && state_.accepting);
    stream_head_.chunked(true);
    body_stream_ = std::move(answer.stream);
    serializer_.emplace(stream_head_);
    stream_.expires_after(state_.limits.write_timeout);
    http::async_write_header(stream_, *serializer_, [self = shared_from_this(), id](beast::error_code ec, std::size_t) {
      if (ec) return self->end_stream(ec, id);
      self->pump(id);
    });
  }

  void pump(std::uint64_t id) {
    bool finished = false;
    chunk_ = body_stream_->take(finished);
    const auto next = [self = shared_from_this(), id](beast::error_code ec, std::size_t) {
      if (ec) return self->end_stream(ec, id);
      self->pump(id);
    };
    stream_.expires_after(state_.limits.write_timeout);
    if (!chunk_.empty()) return net::async_write(stream_, http::make_chunk(net::buffer(chunk_)), next);
    if (finished) {
      return net::async_write(
          stream_, http::make_chunk_last(),
          [self = shared_from_this(), id](beast::error_code ec, std::size_t) { self->end_stream(ec, id); });
    }
    stream_.expires_never();  // the producer's pace (a generation is bounded by its max_tokens)
    body_stream_->on_ready([weak = weak_from_this(), id] {
      if (auto self = weak.lock()) net::post(self->executor(), [self, id] { self->pump(id); });
    });
  }

  void end_stream(beast::error_code ec, std::uint64_t id) {
    if (ec) body_stream_->close();  // the client went away: the producer's pieces are dropped
    body_stream_.reset();
    serializer_.reset();
    done_writing(ec, id, stream_head_.keep_alive());
  }

  void done_writing(beast::error_code ec, std::uint64_t id, bool keep) {
    if (id != 0) {
      const std::lock_guard lock(state_.mutex);
      state_.waiting.erase(id);  // `this` stays alive: the completion handler holds a reference
      if (state_.waiting.empty()) state_.idle.notify_all();
    }
    if (ec) return close();
    if (!keep) return lingering_close();
    read_header();
  }

  // Half-close, then read and drop what the client still sends for a moment, so that a client
  // still sending a refused body reads our answer instead of a connection reset.
  void lingering_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  State& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  // A streamed answer in progress: its head, serializer, producer and the chunk being written.
  http::response<http::empty_body> stream_head_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  std::shared_ptr<ResponseStream> body_stream_;
  std::string chunk_;
  unsigned version_ = 11;
  std::uint64_t served_ = 0;  // requests read on this connection
  bool keep_alive_ = true;
  char discard_[4096];
};

void State::accept() {
  acceptor->async_accept(net::make_strand(*io), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (!self->acceptor->is_open()) return;  // stop_accepting() closed it
    if (!ec) {
      ++self->connections;
      std::make_shared<Session>(std::move(socket), *self)->start();
    }
    // On an error (e.g. too many open files) keep accepting: the next connection may succeed.
    self->accept();
  });
}

HttpServer::HttpServer(const std::string& host, std::uint16_t port, int threads, HttpLimits limits, HttpHandler handler)
    : state_(std::make_shared<State>()) {
  State& s = *state_;
  s.limits = limits;
  s.handler = std::move(handler);
  const int count = std::max(threads, 1);
  s.io.emplace(count);
  const std::string where = host + ":" + std::to_string(port);
  try {
    const tcp::endpoint endpoint(net::ip::make_address(host), port);
    s.acceptor.emplace(net::make_strand(*s.io));
    s.acceptor->open(endpoint.protocol());
    s.acceptor->set_option(net::socket_base::reuse_address(true));
    if (endpoint.address().is_v6()) s.acceptor->set_option(net::ip::v6_only(false));
    s.acceptor->bind(endpoint);
    s.acceptor->listen(net::socket_base::max_listen_connections);
    s.port = s.acceptor->local_endpoint().port();
  } catch (const std::exception& e) {
    throw std::runtime_error("serve: cannot listen on " + where + ": " + e.what());
  }
  s.keep_running.emplace(s.io->get_executor());
  s.accept();
  for (int i = 0; i < count; ++i) s.threads.emplace_back([&s] { s.io->run(); });
}

HttpServer::~HttpServer() {
  stop_accepting();
  state_->keep_running.reset();
  state_->io->stop();
  for (std::thread& t : state_->threads) t.join();
  {
    const std::lock_guard lock(state_->mutex);
    state_->alive = false;  // replies from now on are dropped
    state_->waiting.clear();
  }
  state_->acceptor.reset();
  state_->io.reset();  // destroys the handlers left in the queue, and the sessions they hold
}

std::uint16_t HttpServer::port() const { return state_->port; }

void HttpServer::stop_accepting() {
  if (!state_->accepting.exchange(false)) return;
  std::promise<void> closed;
  net::dispatch(state_->acceptor->get_executor(), [this, &closed] {
    beast::error_code ignored;
    state_->acceptor->close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
}

bool HttpServer::wait_idle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(state_->mutex);
  return state_->idle.wait_until(lock, deadline, [&] { return state_->waiting.empty(); });
}

HttpCounters HttpServer::counters() const {
  HttpCounters c;
  c.connections = state_->connections;
  c.requests = state_->requests;
  c.rejected_too_large = state_->rejected_too_large;
  c.timed_out = state_->timed_out;
  const std::lock_guard lock(state_->mutex);
  c.in_flight = state_->waiting.size();
  return c;
}

}  // namespace tessera::serve
