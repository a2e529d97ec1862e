#include "tessera/metrics/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "tessera/core/error.h"

namespace tessera::metrics {

int calibration_bin(double value, int bins) {
  return std::min(static_cast<int>(std::floor(value * bins)), bins - 1);
}

Calibration calibration(const std::vector<double>& values, const std::vector<int>& outcomes, int bins) {
  if (bins < 1) throw UserError("calibration: bins must be >= 1, got " + std::to_string(bins));
  if (values.size() != outcomes.size()) {
    throw UserError("calibration: " + std::to_string(values.size()) + " values but " +
                    std::to_string(outcomes.size()) + " outcomes");
  }
  std::vector<double> value_sum(static_cast<std::size_t>(bins), 0.0);
  std::vector<std::int64_t> hits(static_cast<std::size_t>(bins), 0);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(bins), 0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!(values[i] >= 0.0 && values[i] <= 1.0)) {
      throw UserError("calibration: value at " + std::to_string(i) + " is outside [0, 1]: " + std::to_string(values[i]));
    }
    if (outcomes[i] != 0 && outcomes[i] != 1) {
      throw UserError("calibration: outcome at " + std::to_string(i) + " is neither 0 nor 1");
    }
    const auto b = static_cast<std::size_t>(calibration_bin(values[i], bins));
    value_sum[b] += values[i];
    hits[b] += outcomes[i];
    ++counts[b];
  }

  Calibration result;
  result.bins = bins;
  result.count = static_cast<std::int64_t>(values.size());
  for (std::size_t b = 0; b < counts.size(); ++b) {
    ReliabilityBin bin;
    bin.lower = static_cast<double>(b) / bins;
    bin.upper = static_cast<double>(b + 1) / bins;
    bin.count = counts[b];
    if (bin.count == 0) {
      bin.mean_value = bin.observed = std::numeric_limits<double>::quiet_NaN();
    } else {
      const auto n = static_cast<double>(bin.count);
      bin.mean_value = value_sum[b] / n;
      bin.observed = static_cast<double>(hits[b]) / n;
      const double gap = std::abs(bin.observed - bin.mean_value);
      result.ece += n / static_cast<double>(result.count) * gap;
      result.mce = std::max(result.mce, gap);
    }
    result.table.push_back(bin);
  }
  return result;
}

nlohmann::json to_json(const Calibration& calibration) {
  const auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json table = nlohmann::json::array();
  for (const auto& bin : calibration.table) {
    table.push_back({{"lower", bin.lower},
                     {"upper", bin.upper},
                     {"count", bin.count},
                     {"confidence", number(bin.mean_value)},
                     {"accuracy", number(bin.observed)}});
  }
  return {{"bins", calibration.bins}, {"ece", calibration.ece}, {"mce", calibration.mce}, {"table", std::move(table)}};
}

}  // namespace tessera::metrics
