#pragma once
// What a served model reports as it works: each batch's costs (serve::DynamicBatcher: queue and
// compute latency, batch size), each prediction, each live drift comparison (serve_metrics.h).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace tessera::serve {

struct BatchRecord {
  std::size_t size = 0;                         // requests run together
  std::vector<std::chrono::nanoseconds> waits;  // submit -> start of the run, per request in order
  std::chrono::nanoseconds compute{0};          // the run itself
  bool failed = false;                          // the run threw
};

using BatchObserver = std::function<void(const BatchRecord&)>;

// One comparison of a model's live input window with its run's drift reference (live_drift.h).
struct DriftSnapshot {
  std::int64_t images = 0;                          // images in the window
  std::vector<std::pair<std::string, double>> psi;  // feature -> PSI, in monitor::compare()'s order
  std::vector<std::string> drifting;                // features past their PSI or KS threshold
  bool drift = false;
};

// What a served model reports as it works, for /metrics and the log: set once, before the first
// request; each may be empty, and each is called on the model's executor threads.
struct ModelObservers {
  BatchObserver batch;                                 // each batch run
  std::function<void(const std::string&)> prediction;  // each element's predicted class
  std::function<void(const DriftSnapshot&)> drift;     // each completed live drift window
};

}  // namespace tessera::serve
