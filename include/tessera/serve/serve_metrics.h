#pragma once
// What `tessera serve` exposes at GET /metrics, in Prometheus' text format, on prometheus-cpp's
// core (registry, counters, gauges, histograms, text serialiser). Per model (label model=...):
//   tessera_inference_requests_total{outcome}  infer requests by how they were answered:
//                                              ok, client_error (4xx), refused (503),
//                                              timed_out (504), failed (500)
//   tessera_inference_count_total              requests executed
//   tessera_inference_exec_count_total         forward passes (batches); count / exec_count is
//                                              the mean batch size dynamic batching achieved
//   tessera_inference_batch_size               histogram of requests per batch
//   tessera_inference_queue_seconds            histogram: each request's wait in the queue
//   tessera_inference_compute_seconds          histogram: each batch's run (decode, forward, answers)
//   tessera_inference_in_flight                gauge: requests accepted and not yet answered
//   tessera_predictions_total{class}           elements answered, by predicted class
//   tessera_drift_psi{feature}                 gauge: PSI of each feature over the last live
//                                              drift window against the run's reference
//   tessera_drift_detected                     gauge: 1 when that window drifted (any feature
//                                              past its PSI or KS threshold), else 0
//   tessera_drift_windows_total                live drift comparisons made
// Predictions and drift are recorded just after a batch's answers, off its executor: a scrape
// right after an answer may not count that answer's predictions yet.
// Recording is thread-safe and lock-free per event (prometheus-cpp's atomics); the models are
// fixed at construction. A build without prometheus-cpp (TESSERA_WITH_PROMETHEUS off, the GPU
// machine's bare build) records nothing and says so at /metrics.
#include <memory>
#include <string>
#include <vector>

#include "tessera/serve/batch_record.h"

namespace tessera::serve {

enum class RequestOutcome : std::uint8_t { ok, client_error, refused, timed_out, failed };

class ServeMetrics {
 public:
  // `max_batch` sets the batch-size histogram's buckets (1, 2, 4, ... up to it).
  ServeMetrics(const std::vector<std::string>& models, std::size_t max_batch);
  ~ServeMetrics();
  ServeMetrics(const ServeMetrics&) = delete;
  ServeMetrics& operator=(const ServeMetrics&) = delete;

  // False in a build without prometheus-cpp.
  static bool available();

  // A model not named at construction is ignored (the routes only serve those).
  void request(const std::string& model, RequestOutcome outcome);
  void batch(const std::string& model, const BatchRecord& record);
  void in_flight(const std::string& model, int change);
  void prediction(const std::string& model, const std::string& label);
  void drift(const std::string& model, const DriftSnapshot& snapshot);

  // The exposition (text format 0.0.4); a one-line explanation when unavailable.
  std::string text() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tessera::serve
