// HttpServer over loopback with a bare socket client (raw_client.h) and Python's http.client as
// an independent one: keep-alive, answers from other threads, the size and time limits enforced
// before work is done, malformed requests, 1,000 concurrent connections, and graceful shutdown.
#include "tessera/serve/http_server.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "raw_client.h"

namespace tessera::serve {
namespace {

using namespace std::chrono_literals;
using testing::http_request;
using testing::RawConnection;

// Answers GET /hello with {"hello": "world"} and POST /echo with the body, on the I/O thread.
void echo(HttpRequest request, Reply reply) {
  if (request.method == "GET" && request.target == "/hello")
    return reply({200, "application/json", R"({"hello":"world"})", {}});
  if (request.method == "POST" && request.target == "/echo") return reply({200, "text/plain", request.body, {}});
  reply(error_response(404, "no route for " + request.target));
}

HttpLimits small_limits() {
  HttpLimits limits;
  limits.max_body_bytes = 1000;
  limits.header_timeout = 300ms;
  limits.body_timeout = 300ms;
  return limits;
}

TEST(HttpServer, AnswersSeveralRequestsOnOneKeptAliveConnection) {
  HttpServer server("127.0.0.1", 0, 2, small_limits(), echo);
  ASSERT_GT(server.port(), 0);
  RawConnection c(server.port());
  ASSERT_TRUE(c.send(http_request("GET", "/hello")));
  testing::RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"hello":"world"})");
  EXPECT_NE(r.headers.find("content-type: application/json"), std::string::npos);
  ASSERT_TRUE(c.send(http_request("POST", "/echo", "abc")));
  r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abc");
  ASSERT_TRUE(c.send(http_request("GET", "/nowhere")));
  r = c.read_response();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"no route for /nowhere"})");
  EXPECT_EQ(server.counters().connections, 1u);
  EXPECT_EQ(server.counters().requests, 3u);
}

TEST(HttpServer, AReplyFromAnotherThreadLaterReachesItsConnection) {
  std::vector<std::thread> workers;
  std::mutex mutex;
  HttpServer server("127.0.0.1", 0, 1, small_limits(), [&](HttpRequest request, Reply reply) {
    const std::lock_guard lock(mutex);
    workers.emplace_back([request = std::move(request), reply] {
      std::this_thread::sleep_for(50ms);
      reply({200, "text/plain", "late " + request.body, {}});
      reply({500, "text/plain", "a second answer is ignored", {}});
    });
  });
  RawConnection c(server.port());
  ASSERT_TRUE(c.send(http_request("POST", "/x", "1")));
  const testing::RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "late 1");
  EXPECT_TRUE(server.wait_idle(std::chrono::steady_clock::now() + 2s));
  for (auto& w : workers) w.join();
}

TEST(HttpServer, AStreamedAnswerArrivesInChunksAsItIsWrittenAndTheConnectionStaysUsable) {
  std::vector<std::thread> producers;
  std::mutex mutex;
  HttpServer server("127.0.0.1", 0, 1, small_limits(), [&](HttpRequest request, Reply reply) {
    if (request.target != "/stream") return echo(std::move(request), std::move(reply));
    auto stream = std::make_shared<ResponseStream>();
    stream->write("data: 1\n\n");  // before the reply: sent with the head
    HttpResponse r;
    r.content_type = "text/event-stream";
    r.stream = stream;
    reply(std::move(r));
    const std::lock_guard lock(mutex);
    producers.emplace_back([stream] {
      for (const char* piece : {"data: 2\n\n", "data: 3\n\n"}) {
        std::this_thread::sleep_for(30ms);  // slower than the header timeout would allow an idle client
        stream->write(piece);
      }
      stream->finish();
      stream->write("data: after the end is dropped\n\n");
    });
  });
  RawConnection c(server.port());
  ASSERT_TRUE(c.send(http_request("POST", "/stream", "x")));
  testing::RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("content-type: text/event-stream"), std::string::npos) << r.headers;
  EXPECT_NE(r.headers.find("cache-control: no-cache"), std::string::npos) << r.headers;
  EXPECT_EQ(r.body, "data: 1\n\ndata: 2\n\ndata: 3\n\n");
  EXPECT_GE(r.chunks, 2) << "the pieces went out as they were written, not as one body";
  ASSERT_TRUE(c.send(http_request("GET", "/hello")));  // keep-alive after the stream
  EXPECT_EQ(c.read_response().status, 200);
  EXPECT_TRUE(server.wait_idle(std::chrono::steady_clock::now() + 2s));
  for (auto& p : producers) p.join();
}

TEST(HttpServer, AClientLeavingMidStreamClosesTheStreamForItsProducer) {
  auto stream = std::make_shared<ResponseStream>();
  HttpServer server("127.0.0.1", 0, 1, small_limits(), [&](HttpRequest, Reply reply) {
    HttpResponse r;
    r.stream = stream;
    reply(std::move(r));
  });
  {
    RawConnection c(server.port());
    ASSERT_TRUE(c.send(http_request("POST", "/stream", "x")));
    std::this_thread::sleep_for(50ms);
  }  // the client disconnects while the answer is still streaming
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  // The server notices when a write fails: keep producing until it does.
  while (!stream->closed() && std::chrono::steady_clock::now() < deadline) {
    stream->write(std::string(64 * 1024, 'x'));
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(stream->closed());
  stream->finish();
  EXPECT_TRUE(server.wait_idle(std::chrono::steady_clock::now() + 2s));
}

TEST(HttpServer, AContentLengthOverTheLimitIsRefusedBeforeTheBodyIsSent) {
  std::atomic<int> handled{0};
  HttpServer server("127.0.0.1", 0, 1, small_limits(), [&](HttpRequest, Reply reply) {
    ++handled;
    reply({200, "text/plain", "", {}});
  });
  RawConnection c(server.port());
  // Headers only: the server must answer without waiting for the 5000 bytes announced.
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"));
  const testing::RawResponse r = c.read_response(2s);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("serve.max_request_mb"), std::string::npos) << r.body;
  EXPECT_EQ(handled, 0);
  EXPECT_EQ(server.counters().rejected_too_large, 1u);
  RawConnection next(server.port());  // and the server goes on
  ASSERT_TRUE(next.send(http_request("POST", "/echo", "ok")));
  EXPECT_EQ(next.read_response().status, 200);
}

TEST(HttpServer, AChunkedBodyIsCutOffOnceItPassesTheLimit) {
  std::atomic<int> handled{0};
  HttpServer server("127.0.0.1", 0, 1, small_limits(), [&](HttpRequest, Reply reply) {
    ++handled;
    reply({200, "text/plain", "", {}});
  });
  RawConnection c(server.port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk(600, 'a');
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
  c.send(std::string(size) + chunk + "\r\n");
  c.send(std::string(size) + chunk + "\r\n");  // 1200 bytes > 1000: refused here
  const testing::RawResponse r = c.read_response(2s);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(handled, 0);
}

TEST(HttpServer, ASlowClientIsDisconnectedAndCostsNoThread) {
  // One I/O thread: while the slow client dribbles its header, others are still served.
  HttpServer server("127.0.0.1", 0, 1, small_limits(), echo);
  RawConnection slow(server.port());
  ASSERT_TRUE(slow.send("GET /hello HTTP/1.1\r\nHost: x\r\n"));  // never finishes its header
  RawConnection fast(server.port());
  ASSERT_TRUE(fast.send(http_request("GET", "/hello")));
  EXPECT_EQ(fast.read_response(10s).status, 200);  // generous: CI runs this beside training jobs
  EXPECT_TRUE(slow.closed_within(3s)) << "the slow client was not disconnected";
  // Beast closes the socket when its timer fires and reports the timeout just after: wait for it.
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (server.counters().timed_out == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(server.counters().timed_out, 1u);
  EXPECT_EQ(server.counters().requests, 1u);
}

TEST(HttpServer, AMalformedRequestIsAnswered400) {
  HttpServer server("127.0.0.1", 0, 1, small_limits(), echo);
  RawConnection c(server.port());
  ASSERT_TRUE(c.send("GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n"));
  const testing::RawResponse r = c.read_response(2s);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("malformed HTTP request"), std::string::npos) << r.body;
  RawConnection next(server.port());
  ASSERT_TRUE(next.send(http_request("GET", "/hello")));
  EXPECT_EQ(next.read_response().status, 200);
}

TEST(HttpServer, AThousandConcurrentConnectionsAreAllAnswered) {
  constexpr int kConnections = 1000;
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_max < 2 * kConnections + 64) {
    GTEST_SKIP() << "needs " << 2 * kConnections + 64 << " open files (client and server side), the hard limit is "
                 << files.rlim_max;
  }
  if (files.rlim_cur < 2 * kConnections + 64) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  // Every request waits until all have arrived, so all connections are open and pending at once.
  std::mutex mutex;
  std::vector<Reply> pending;
  HttpServer server("127.0.0.1", 0, 2, small_limits(), [&](HttpRequest request, Reply reply) {
    const std::lock_guard lock(mutex);
    pending.push_back([reply, body = request.body](HttpResponse) { reply({200, "text/plain", body, {}}); });
    if (pending.size() == kConnections) {
      for (Reply& r : pending) r({});
    }
  });
  std::vector<std::unique_ptr<RawConnection>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(clients.back()->send(http_request("POST", "/x", std::to_string(i)))) << i;
  }
  int answered = 0;
  for (int i = 0; i < kConnections; ++i) {
    const testing::RawResponse r = clients[i]->read_response(20s);
    if (r.status == 200 && r.body == std::to_string(i)) ++answered;
  }
  EXPECT_EQ(answered, kConnections);
  EXPECT_EQ(server.counters().connections, static_cast<std::uint64_t>(kConnections));
}

TEST(HttpServer, StopAcceptingLetsTheRequestInFlightFinishThenRefusesNewConnections) {
  Reply held;
  std::mutex mutex;
  HttpServer server("127.0.0.1", 0, 2, small_limits(), [&](HttpRequest, Reply reply) {
    const std::lock_guard lock(mutex);
    held = reply;
  });
  RawConnection c(server.port());
  ASSERT_TRUE(c.send(http_request("POST", "/x", "1")));
  while (server.counters().in_flight == 0) std::this_thread::sleep_for(1ms);
  server.stop_accepting();
  EXPECT_FALSE(server.wait_idle(std::chrono::steady_clock::now() + 50ms));  // still in flight
  {
    const std::lock_guard lock(mutex);
    held({200, "text/plain", "done", {}});
  }
  const testing::RawResponse r = c.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done");
  EXPECT_NE(r.headers.find("connection: close"), std::string::npos) << r.headers;
  EXPECT_TRUE(server.wait_idle(std::chrono::steady_clock::now() + 2s));
  EXPECT_THROW(RawConnection refused(server.port()), std::runtime_error);
}

TEST(HttpServer, AReplyAfterTheServerIsGoneDoesNothing) {
  Reply held;
  {
    HttpServer server("127.0.0.1", 0, 1, small_limits(), [&](HttpRequest, Reply reply) { held = reply; });
    RawConnection c(server.port());
    ASSERT_TRUE(c.send(http_request("GET", "/hello")));
    while (server.counters().in_flight == 0) std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(held);
  held({200, "text/plain", "too late", {}});  // must neither crash nor hang
}

TEST(HttpServer, ABusyPortIsAnErrorNamingTheAddress) {
  HttpServer first("127.0.0.1", 0, 1, small_limits(), echo);
  try {
    HttpServer second("127.0.0.1", first.port(), 1, small_limits(), echo);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())), std::string::npos) << e.what();
  }
}

// Python's http.client (an independent HTTP implementation) on one kept-alive connection.
TEST(HttpServer, PythonsHttpClientTalksToIt) {
  HttpServer server("127.0.0.1", 0, 2, small_limits(), echo);
  // No double quotes in the script: it travels inside them on the shell's command line.
  const std::string script =
      "import http.client, sys\n"
      "c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=10)\n"
      "c.request('GET', '/hello'); r = c.getresponse(); a = (r.status, r.read())\n"
      "c.request('POST', '/echo', body=b'x' * 900); r = c.getresponse(); b = (r.status, len(r.read()))\n"
      "c.request('POST', '/echo', body=b'x' * 2000); r = c.getresponse(); d = r.status\n"
      "print(a[0], a[1].decode(), b[0], b[1], d)\n";
  const std::string command = "/usr/bin/python3 -c \"" + script + "\" " + std::to_string(server.port());
  std::FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[256] = {};
  const bool read = std::fgets(line, sizeof line, pipe) != nullptr;
  const int status = ::pclose(pipe);
  ASSERT_TRUE(read);
  EXPECT_EQ(status, 0);
  EXPECT_EQ(std::string(line), "200 {\"hello\":\"world\"} 200 900 413\n");
}

}  // namespace
}  // namespace tessera::serve
