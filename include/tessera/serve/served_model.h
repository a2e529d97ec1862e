#pragma once
// One model behind `tessera serve`, as the routes (serve_routes.h) see it: a name, its metadata,
// readiness, and an asynchronous infer. A classification run and a language-model run each get
// an implementation over their Task; tests use fakes.
#include <cstdint>
#include <exception>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/serve/batch_record.h"
#include "tessera/serve/inference_protocol.h"

namespace tessera::serve {

// Why a request got no answer from the model; the routes turn each into its status code.
enum class Refusal : std::uint8_t {
  none,
  queue_full,     // 503 with Retry-After: back-pressure, try again shortly
  shutting_down,  // 503: the server is draining
};

// The outputs of one request, or the error that stands in for them (ProtocolError: 400,
// RequestTimedOut: 504, anything else: 500).
struct InferOutcome {
  std::vector<Tensor> outputs;
  std::exception_ptr error;
};

// What a text-generation request asks (the generate extension, /v1/completions).
struct GenerationCall {
  std::string prompt;
  std::int64_t max_tokens = 200;
  double temperature = 0.8;  // 0 = greedy
  std::int64_t top_k = 40;   // 0 = off
  double top_p = 0.95;       // 1 = off
  std::uint64_t seed = 0;
  std::vector<std::string> stop;
  std::int64_t next_tokens = 0;  // > 0: also the k most likely next tokens after the prompt
  // Each piece of text as it is made (whole UTF-8 characters, never empty), for streaming; called
  // on the model's executor thread, must not block. May be empty.
  std::function<void(std::string_view)> on_text;
};

struct NextTokenAnswer {
  std::string text;  // printable; a partial UTF-8 character as "<0xEC>"
  double probability = 0.0;
};

// The finished generation, or the error that stands in for it (as InferOutcome's).
struct GenerationOutcome {
  std::string text;
  std::string finish_reason;  // "length" (max_tokens) or "stop" (end of text, a stop string)
  std::int64_t prompt_tokens = 0, completion_tokens = 0;
  std::vector<NextTokenAnswer> next_tokens;
  std::exception_ptr error;
};

class ServedModel {
 public:
  virtual ~ServedModel() = default;
  virtual const std::string& name() const = 0;
  // The protocol's model metadata: {"name", "versions", "platform", "inputs": [...], "outputs": [...]}.
  virtual nlohmann::json metadata() const = 0;
  virtual bool ready() const = 0;
  // Starts inference; `done` is called once, on any thread, unless the answer is a refusal.
  // Throws ProtocolError for inputs the model cannot take (checked before queueing).
  virtual Refusal infer(InferRequest request, std::function<void(InferOutcome)> done) = 0;
  // Starts a text generation; `done` is called once, on any thread, unless the answer is a
  // refusal. Throws ProtocolError for a model that does not generate text or a call it refuses.
  virtual Refusal generate(GenerationCall call, std::function<void(GenerationOutcome)> done) {
    (void)call;
    (void)done;
    throw ProtocolError("model '" + name() + "' does not generate text (it is not a language model)");
  }
  // Stops taking requests (they are refused as shutting_down); the queued ones are still answered.
  virtual void shutdown() {}
  // Where the model reports batches, predictions and drift (the routes feed /metrics with them).
  // Set once, before the first request; a model calls what applies to it.
  virtual void observe(ModelObservers observers) { (void)observers; }
};

}  // namespace tessera::serve
