#pragma once
// Stand-in models for the server tests: the routes and the HTTP layer without a network.
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

}  // namespace tessera::serve::testing
