#pragma once
// Latency summary for benchmarks and inference reports: mean and percentiles of per-call times.
#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::metrics {

struct LatencySummary {
  double mean_ms = 0.0;
  double p50_ms = 0.0;
  double p90_ms = 0.0;
  double p95_ms = 0.0;
  double p99_ms = 0.0;
  double max_ms = 0.0;
  std::size_t count = 0;
};

// Percentiles use linear interpolation between closest ranks, numpy.percentile's default
// ("linear", method 7 of Hyndman & Fan): position p/100 * (n - 1) in the sorted samples.
// An empty input gives all zeros. Throws tessera::UserError on a negative or non-finite sample.
LatencySummary summarize_latencies(std::vector<double> milliseconds);

// {"count","mean_ms","p50_ms","p90_ms","p95_ms","p99_ms","max_ms"}
nlohmann::json to_json(const LatencySummary& summary);

}  // namespace tessera::metrics
