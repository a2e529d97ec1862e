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
// Each request is decoded on a pool of decode threads (serve.threads) as it arrives, then batched
// by serve::DynamicBatcher (serve.max_batch requests per forward pass): the executor preprocesses
// a batch (the fused kernel on a GPU), runs the network once and answers each request, while the
// decoders already work on the next requests. Each readable element also feeds the
// live drift monitor (live_drift.h) and the prediction counts of /metrics. No patient data is
// logged: failures name elements by position.
#include <atomic>
#include <memory>
#include <string>

#include "tessera/core/config/serve.h"
#include "tessera/serve/dynamic_batcher.h"
#include "tessera/serve/live_drift.h"
#include "tessera/serve/served_model.h"
#include "tessera/serve/worker_pool.h"
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

  // One request as the executor takes it: its elements decoded (in order), and what it asked.
  struct Work {
    std::vector<data::DecodedSample> decoded;
    std::vector<char> is_dicom;
    RequestedOutput classification;  // name empty unless the classification extension was asked
  };
  // One batch -> each request's outputs (the executor's work).
  std::vector<InferOutcome> run_batch(std::vector<Work>& batch);

 private:
  // A finished batch's elements and their probabilities, for report().
  struct Reported {
    std::vector<data::DecodedSample> decoded;
    std::vector<char> is_dicom;
    std::vector<float> probabilities;
  };
  // Feeds the batch's elements to the prediction counts and the live drift monitor (on reporters_).
  void report(const std::vector<data::DecodedSample>& decoded, const std::vector<char>& is_dicom,
              const std::vector<float>& probabilities);
  // A request's encoded elements, decoded with the loader's sources (a decoder thread's work);
  // failures name the element by its position in the request.
  void decode(const std::vector<std::string>& encoded, Work& work) const;

  std::string name_;
  std::unique_ptr<tasks::ClassificationTask> task_;
  std::chrono::milliseconds timeout_;
  // The run's decoders, made once: image formats, and DICOM unless the run cannot take it
  // (then dicom_ is null and no_dicom_ says why).
  std::unique_ptr<data::EncodedSamples> images_, dicom_;
  std::string no_dicom_;
  std::unique_ptr<LiveDrift> drift_;
  ModelObservers observers_;  // set before the first request, read by the executors
  // Decode threads (serve.threads) ahead of the batcher; their backlog and the queue together are
  // held to serve.queue_capacity.
  std::unique_ptr<WorkerPool> decoders_;
  // Prediction counts and drift measurement, after each batch and off the executor; destroyed
  // last, as the executor posts to it while it drains.
  std::unique_ptr<WorkerPool> reporters_;
  std::atomic<std::size_t> decoding_{0};
  std::size_t capacity_ = 0;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<DynamicBatcher<Work, InferOutcome>> batcher_;
};

// BatcherOptions from the serve section.
BatcherOptions batcher_options(const config::ServeConfig& settings);

}  // namespace tessera::serve
