#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <chrono>
#include <unordered_map>

#include "tessera/serve/serve_metrics.h"

namespace tessera::serve {
namespace {

constexpr std::array<const char*, 5> kOutcomes = {"ok", "client_error", "refused", "timed_out", "failed"};

// 100 us to 10 s: a small CNN's batch on a GPU is well under a millisecond, a queue backed up
// behind a slow model takes seconds.
prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

prometheus::Histogram::BucketBoundaries batch_buckets(std::size_t max_batch) {
  prometheus::Histogram::BucketBoundaries bounds;
  for (std::size_t b = 1; b < max_batch; b *= 2) bounds.push_back(static_cast<double>(b));
  bounds.push_back(static_cast<double>(max_batch));
  return bounds;
}

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

struct ServeMetrics::State {
  struct Model {
    std::array<prometheus::Counter*, kOutcomes.size()> requests{};
    prometheus::Counter* inferences = nullptr;
    prometheus::Counter* executions = nullptr;
    prometheus::Histogram* batch_size = nullptr;
    prometheus::Histogram* queue = nullptr;
    prometheus::Histogram* compute = nullptr;
    prometheus::Gauge* in_flight = nullptr;
    prometheus::Gauge* drift_detected = nullptr;
    prometheus::Counter* drift_windows = nullptr;
  };
  // Families whose label sets grow as values arrive (classes, features): Family::Add finds or
  // makes the series under the family's own lock.
  prometheus::Family<prometheus::Counter>* predictions = nullptr;
  prometheus::Family<prometheus::Gauge>* drift_psi = nullptr;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unordered_map<std::string, Model> models;  // fixed after construction: read without a lock

  Model* find(const std::string& name) {
    const auto it = models.find(name);
    return it == models.end() ? nullptr : &it->second;
  }
};

ServeMetrics::ServeMetrics(const std::vector<std::string>& models, std::size_t max_batch)
    : state_(std::make_unique<State>()) {
  auto& registry = *state_->registry;
  auto& requests = prometheus::BuildCounter()
                       .Name("tessera_inference_requests_total")
                       .Help("Infer requests by how they were answered")
                       .Register(registry);
  auto& inferences = prometheus::BuildCounter()
                         .Name("tessera_inference_count_total")
                         .Help("Requests executed (each batch adds its size)")
                         .Register(registry);
  auto& executions = prometheus::BuildCounter()
                         .Name("tessera_inference_exec_count_total")
                         .Help("Forward passes (batches); count over exec_count is the mean batch size")
                         .Register(registry);
  auto& batch_size =
      prometheus::BuildHistogram().Name("tessera_inference_batch_size").Help("Requests per batch").Register(registry);
  auto& queue = prometheus::BuildHistogram()
                    .Name("tessera_inference_queue_seconds")
                    .Help("Each request's wait in the queue before its batch ran")
                    .Register(registry);
  auto& compute = prometheus::BuildHistogram()
                      .Name("tessera_inference_compute_seconds")
                      .Help("Each batch's run: decode, preprocessing, forward pass, answers")
                      .Register(registry);
  auto& in_flight = prometheus::BuildGauge()
                        .Name("tessera_inference_in_flight")
                        .Help("Requests accepted and not yet answered")
                        .Register(registry);
  state_->predictions = &prometheus::BuildCounter()
                             .Name("tessera_predictions_total")
                             .Help("Elements answered, by predicted class")
                             .Register(registry);
  state_->drift_psi = &prometheus::BuildGauge()
                           .Name("tessera_drift_psi")
                           .Help("PSI of each feature over the last live drift window against the run's reference")
                           .Register(registry);
  auto& drift_detected = prometheus::BuildGauge()
                             .Name("tessera_drift_detected")
                             .Help("1 when the last live drift window drifted (a feature past its PSI or KS threshold)")
                             .Register(registry);
  auto& drift_windows = prometheus::BuildCounter()
                            .Name("tessera_drift_windows_total")
                            .Help("Live drift comparisons made")
                            .Register(registry);
  for (const std::string& name : models) {
    State::Model m;
    for (std::size_t i = 0; i < kOutcomes.size(); ++i) {
      m.requests[i] = &requests.Add({{"model", name}, {"outcome", kOutcomes[i]}});
    }
    m.inferences = &inferences.Add({{"model", name}});
    m.executions = &executions.Add({{"model", name}});
    m.batch_size = &batch_size.Add({{"model", name}}, batch_buckets(max_batch));
    m.queue = &queue.Add({{"model", name}}, latency_buckets());
    m.compute = &compute.Add({{"model", name}}, latency_buckets());
    m.in_flight = &in_flight.Add({{"model", name}});
    m.drift_detected = &drift_detected.Add({{"model", name}});
    m.drift_windows = &drift_windows.Add({{"model", name}});
    state_->models.emplace(name, m);
  }
}

ServeMetrics::~ServeMetrics() = default;

bool ServeMetrics::available() { return true; }

void ServeMetrics::request(const std::string& model, RequestOutcome outcome) {
  if (State::Model* m = state_->find(model)) m->requests[static_cast<std::size_t>(outcome)]->Increment();
}

void ServeMetrics::batch(const std::string& model, const BatchRecord& record) {
  State::Model* m = state_->find(model);
  if (!m) return;
  m->inferences->Increment(static_cast<double>(record.size));
  m->executions->Increment();
  m->batch_size->Observe(static_cast<double>(record.size));
  for (const auto wait : record.waits) m->queue->Observe(seconds(wait));
  m->compute->Observe(seconds(record.compute));
}

void ServeMetrics::in_flight(const std::string& model, int change) {
  if (State::Model* m = state_->find(model)) m->in_flight->Increment(change);
}

void ServeMetrics::prediction(const std::string& model, const std::string& label) {
  if (state_->find(model)) state_->predictions->Add({{"model", model}, {"class", label}}).Increment();
}

void ServeMetrics::drift(const std::string& model, const DriftSnapshot& snapshot) {
  State::Model* m = state_->find(model);
  if (!m) return;
  for (const auto& [feature, psi] : snapshot.psi)
    state_->drift_psi->Add({{"model", model}, {"feature", feature}}).Set(psi);
  m->drift_detected->Set(snapshot.drift ? 1 : 0);
  m->drift_windows->Increment();
}

std::string ServeMetrics::text() const { return prometheus::TextSerializer().Serialize(state_->registry->Collect()); }

}  // namespace tessera::serve
