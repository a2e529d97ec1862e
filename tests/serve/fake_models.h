#pragma once
// Stand-in models for the server tests: the routes and the HTTP layer without a network.
#include <cctype>
#include <chrono>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <utility>

#include "tessera/serve/served_model.h"

namespace tessera::serve::testing {

// y = 2 * x for one FP32 input; for one BYTES input, "lengths" (INT64) of its elements. Readiness,
// refusals and errors are set per test.
class DoublingModel : public ServedModel {
 public:
  explicit DoublingModel(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  nlohmann::json metadata() const override {
    return {{"name", name_}, {"versions", {"1"}}, {"platform", "tessera"}, {"inputs", nlohmann::json::array()}};
  }
  bool ready() const override { return ready_; }
  Refusal infer(InferRequest request, std::function<void(InferOutcome)> done) override {
    if (refusal != Refusal::none) return refusal;
    if (request.inputs.size() != 1) throw ProtocolError("expected one input");
    if (observers.batch)
      observers.batch(BatchRecord{1, {std::chrono::milliseconds(2)}, std::chrono::milliseconds(3), false});
    if (observers.prediction) observers.prediction("doubled");
    if (error) {
      done({{}, error});
      return Refusal::none;
    }
    if (request.inputs[0].datatype == DataType::BYTES) {  // answers each element's length
      Tensor lengths{"lengths", DataType::INT64, request.inputs[0].shape, {}, {}, nlohmann::json::object()};
      for (const std::string& e : request.inputs[0].elements) {
        const auto n = static_cast<std::int64_t>(e.size());
        lengths.raw.append(reinterpret_cast<const char*>(&n), sizeof n);
      }
      done({{lengths}, nullptr});
      return Refusal::none;
    }
    if (request.inputs[0].datatype != DataType::FP32) throw ProtocolError("expected one FP32 input");
    Tensor y{"y", DataType::FP32, request.inputs[0].shape, request.inputs[0].raw, {}, nlohmann::json::object()};
    for (std::size_t i = 0; i < y.raw.size(); i += 4) {
      float v;
      std::memcpy(&v, y.raw.data() + i, 4);
      v *= 2;
      std::memcpy(y.raw.data() + i, &v, 4);
    }
    done({{y}, nullptr});
    return Refusal::none;
  }

  // Each request is reported as a batch of one that waited 2 ms and ran 3 ms, predicting
  // "doubled"; tests call observers.drift themselves.
  void observe(ModelObservers o) override { observers = std::move(o); }

  bool ready_ = true;
  Refusal refusal = Refusal::none;
  std::exception_ptr error;
  ModelObservers observers;

 private:
  std::string name_;
};

// A language model that "generates" its prompt in upper case, one character per piece, before
// generate() returns (the hardest order for streaming: everything is written before the reply).
class ShoutingModel : public ServedModel {
 public:
  explicit ShoutingModel(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  nlohmann::json metadata() const override { return {{"name", name_}}; }
  bool ready() const override { return true; }
  Refusal infer(InferRequest, std::function<void(InferOutcome)>) override { throw ProtocolError("generate only"); }
  Refusal generate(GenerationCall call, std::function<void(GenerationOutcome)> done) override {
    if (call.temperature < 0) throw ProtocolError("temperature must be >= 0");
    last_call = call;
    if (refusal != Refusal::none) return refusal;
    if (error) {
      GenerationOutcome failed;
      failed.error = error;
      done(std::move(failed));
      return Refusal::none;
    }
    GenerationOutcome out;
    for (std::size_t i = 0; i < call.prompt.size() && static_cast<std::int64_t>(i) < call.max_tokens; ++i) {
      const std::string piece(1, static_cast<char>(std::toupper(static_cast<unsigned char>(call.prompt[i]))));
      out.text += piece;
      if (call.on_text) call.on_text(piece);
    }
    out.finish_reason = static_cast<std::int64_t>(call.prompt.size()) > call.max_tokens ? "length" : "stop";
    out.prompt_tokens = static_cast<std::int64_t>(call.prompt.size());
    out.completion_tokens = static_cast<std::int64_t>(out.text.size());
    if (call.next_tokens > 0) out.next_tokens = {{"a", 0.5}, {"b", 0.25}};
    done(std::move(out));
    return Refusal::none;
  }

  GenerationCall last_call;
  Refusal refusal = Refusal::none;
  std::exception_ptr error;

 private:
  std::string name_;
};

}  // namespace tessera::serve::testing
