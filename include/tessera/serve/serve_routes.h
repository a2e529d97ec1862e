#pragma once
// The Open Inference Protocol's endpoints over a set of ServedModels, as an HttpHandler:
//   GET  /v2                       server metadata (name, version, extensions)
//   GET  /v2/health/live           200 while the process serves at all
//   GET  /v2/health/ready          200 when every model is ready and the server is not draining, else 503
//   GET  /v2/models/{m}            model metadata (404 for an unknown model)
//   GET  /v2/models/{m}/ready      200 or 503
//   POST /v2/models/{m}/infer      JSON tensors, or the binary-data extension
//   POST /v2/models/{m}/generate   Triton's generate extension (language models), and
//        /v2/models/{m}/generate_stream as server-sent events
//   POST /v1/completions           OpenAI's completions, streaming too; GET /v1/models lists them
//   GET  /metrics                  Prometheus text format (serve_metrics.h)
// Errors are {"error": ...} with 400 (a request the protocol or the model refuses), 404, 405,
// 503 + Retry-After (a full queue, or draining), 504 (the request waited past its timeout) or 500.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tessera/serve/http_server.h"
#include "tessera/serve/serve_metrics.h"
#include "tessera/serve/served_model.h"

namespace tessera::serve {

// Counts by outcome, for logs and /metrics.
struct RouteCounters {
  std::atomic<std::uint64_t> ok{0}, client_errors{0}, refused{0}, timed_out{0}, failed{0};
};

class ServeRoutes {
 public:
  // The routes own the models (pass them in, keep no other owner): a model's queued requests are
  // answered through these routes when it is destroyed with them.
  // `max_batch` sizes the batch-size histogram of /metrics (serve.max_batch).
  explicit ServeRoutes(std::vector<std::shared_ptr<ServedModel>> models, std::size_t max_batch = 32);

  // The handler for HttpServer. It parses on the I/O thread and hands inference to the model.
  HttpHandler handler();
  // From now on ready answers 503 (set on SIGTERM, before the listener closes).
  void set_draining() { draining_ = true; }
  const RouteCounters& counters() const { return counters_; }
  const ServeMetrics& metrics() const { return metrics_; }

 private:
  void route(HttpRequest request, Reply reply);
  void infer(ServedModel& model, HttpRequest request, Reply reply);
  // generate_routes.cpp: the generate extension and OpenAI's API.
  void generate(ServedModel& model, HttpRequest request, Reply reply, bool stream);
  void openai(const std::vector<std::string>& parts, HttpRequest request, Reply reply);
  void completions(HttpRequest request, Reply reply);
  // Runs `call` on `model` and answers: JSON from `encode` when done, or, with `stream`, a
  // stream of server-sent events (the caller's call.on_text writes them; `last` gives the final
  // events, errors included). Counts the outcome and the in-flight gauge.
  using EncodeGeneration = std::function<HttpResponse(const GenerationOutcome&)>;
  using LastEvents = std::function<std::string(const GenerationOutcome&, const std::string& error)>;
  void run_generation(ServedModel& model, GenerationCall call, Reply reply, EncodeGeneration encode,
                      std::shared_ptr<ResponseStream> stream, LastEvents last);
  ServedModel* find(const std::string& name) const;
  // An infer request's answer, counted in counters_ and in /metrics.
  void count(const std::string& model, RequestOutcome outcome);

  // Declared first, destroyed last: a model drains its queue when it goes, and those answers
  // (and batches) still count here.
  RouteCounters counters_;
  ServeMetrics metrics_;
  std::atomic<bool> draining_{false};
  std::vector<std::shared_ptr<ServedModel>> models_;
};

}  // namespace tessera::serve
