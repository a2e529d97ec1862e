#include "tessera/metrics/latency.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "tessera/core/error.h"

namespace tessera::metrics {
namespace {

// numpy "linear": v[lo] + (v[hi] - v[lo]) * frac at position p/100 * (n - 1) of the sorted values.
double percentile_sorted(const std::vector<double>& sorted, double p) {
  const double position = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(position));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = position - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

}  // namespace

LatencySummary summarize_latencies(std::vector<double> milliseconds) {
  LatencySummary summary;
  if (milliseconds.empty()) return summary;
  for (const double ms : milliseconds) {
    if (!std::isfinite(ms) || ms < 0.0) {
      throw UserError("summarize_latencies: invalid sample " + std::to_string(ms) + " ms");
    }
  }
  std::sort(milliseconds.begin(), milliseconds.end());
  double sum = 0.0;
  for (const double ms : milliseconds) sum += ms;
  summary.count = milliseconds.size();
  summary.mean_ms = sum / static_cast<double>(summary.count);
  summary.p50_ms = percentile_sorted(milliseconds, 50.0);
  summary.p90_ms = percentile_sorted(milliseconds, 90.0);
  summary.p95_ms = percentile_sorted(milliseconds, 95.0);
  summary.p99_ms = percentile_sorted(milliseconds, 99.0);
  summary.max_ms = milliseconds.back();
  return summary;
}

nlohmann::json to_json(const LatencySummary& summary) {
  return {{"count", summary.count},   {"mean_ms", summary.mean_ms}, {"p50_ms", summary.p50_ms},
          {"p90_ms", summary.p90_ms}, {"p95_ms", summary.p95_ms}, {"p99_ms", summary.p99_ms},
          {"max_ms", summary.max_ms}};
}

}  // namespace tessera::metrics
