#pragma once
// An image-classification run behind the Open Inference Protocol.
//
// Input: one BYTES tensor of shape [n] or [n, 1], each element a whole encoded image (JPEG, PNG,
// BMP, TIFF) or DICOM file, decoded and preprocessed as `tessera infer` treats a file of the same
// bytes (data/encoded_samples.h). Outputs, in element order:
//   probabilities  FP32 [n, classes]   softmax; NaN for an element that could not be read
//   label          BYTES [n]           the most probable class ("" when unreadable)
//   error          BYTES [n]           why an element could not be read ("" when it could)
// With Triton's classification extension (outputs: [{"name": "probabilities", "parameters":
// {"classification": k}}]) probabilities becomes BYTES [n, k] of "score:index:label".
//
// Requests are batched by serve::DynamicBatcher (serve.max_batch requests per forward pass);
// an executor decodes its batch's images in parallel, preprocesses them (the fused kernel on a
// GPU), runs the network once and answers each request. Each readable element also feeds the
// live drift monitor (live_drift.h) and the prediction counts of /metrics. No patient data is
// logged: failures name elements by position.
#include <memory>
#include <string>

#include "tessera/core/config/serve.h"
#include "tessera/serve/dynamic_batcher.h"
#include "tessera/serve/live_drift.h"
#include "tessera/serve/served_model.h"
#include "tessera/tasks/classification.h"

namespace tessera::data {
class EncodedSamples;
}

namespace tessera::serve {

class ClassificationModel final : public ServedModel {
 public:
  // `drift`: the live drift monitor of the run's inputs, or null (a run without a drift reference).
  ClassificationModel(std::string name, std::unique_ptr<tasks::ClassificationTask> task,
                      const config::ServeConfig& settings, std::unique_ptr<LiveDrift> drift = nullptr);
  ~ClassificationModel() override;

  const std::string& name() const override { return name_; }
  nlohmann::json metadata() const override;
  bool ready() const override { return true; }
  Refusal infer(InferRequest request, std::function<void(InferOutcome)> done) override;
  void observe(ModelObservers observers) override { observers_ = std::move(observers); }
  // Stops taking requests; the destructor answers the queued ones.
  void shutdown() override;

  // One batch: the requests' encoded elements -> their outputs (the executor's work; public for tests).
  struct Work {
    std::vector<std::string> encoded;
    RequestedOutput classification;  // name empty unless the classification extension was asked
  };
  std::vector<InferOutcome> run_batch(std::vector<Work>& batch);

 private:
  // Feeds the batch's elements to the prediction counts and the live drift monitor.
  void report(const std::vector<data::DecodedSample>& decoded, const std::vector<char>& is_dicom,
              const std::vector<float>& probabilities);

  std::string name_;
  std::unique_ptr<tasks::ClassificationTask> task_;
  std::chrono::milliseconds timeout_;
  // The run's decoders, made once: image formats, and DICOM unless the run cannot take it
  // (then dicom_ is null and no_dicom_ says why).
  std::unique_ptr<data::EncodedSamples> images_, dicom_;
  std::string no_dicom_;
  std::unique_ptr<LiveDrift> drift_;
  ModelObservers observers_;  // set before the first request, read by the executors
  std::unique_ptr<DynamicBatcher<Work, InferOutcome>> batcher_;
};

// BatcherOptions from the serve section.
BatcherOptions batcher_options(const config::ServeConfig& settings);

}  // namespace tessera::serve
