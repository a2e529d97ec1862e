#pragma once
// One model behind `tessera serve`, as the routes (serve_routes.h) see it: a name, its metadata,
// readiness, and an asynchronous infer. A classification run and a language-model run each get
// an implementation over their Task; tests use fakes.
#include <exception>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
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
  // Where the model reports batches, predictions and drift (the routes feed /metrics with them).
  // Set once, before the first request; a model calls what applies to it.
  virtual void observe(ModelObservers observers) { (void)observers; }
};

}  // namespace tessera::serve
