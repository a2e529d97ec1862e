#pragma once
// What one finished batch of serve::DynamicBatcher cost: for the server's histograms (queue and
// compute latency, mean batch size; serve_metrics.h).
#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

namespace tessera::serve {

struct BatchRecord {
  std::size_t size = 0;                         // requests run together
  std::vector<std::chrono::nanoseconds> waits;  // submit -> start of the run, per request in order
  std::chrono::nanoseconds compute{0};          // the run itself
  bool failed = false;                          // the run threw
};

using BatchObserver = std::function<void(const BatchRecord&)>;

}  // namespace tessera::serve
