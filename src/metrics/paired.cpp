#include "tessera/metrics/paired.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "tessera/core/error.h"
#include "tessera/core/random.h"

namespace tessera::metrics {
namespace {

// P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so large n cannot overflow.
double binomial_half_cdf(std::int64_t k, std::int64_t n) {
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  const double log_n_factorial = std::lgamma(static_cast<double>(n) + 1.0);
  double sum = 0.0;
  for (std::int64_t i = 0; i <= k; ++i) {
    const double log_choose = log_n_factorial - std::lgamma(static_cast<double>(i) + 1.0) -
                              std::lgamma(static_cast<double>(n - i) + 1.0);
    sum += std::exp(log_choose + log_half_n);
  }
  return sum;
}

// numpy.percentile's default ("linear") on sorted values.
double percentile_sorted(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(position));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - static_cast<double>(lo));
}

}  // namespace

McNemarTest mcnemar(std::int64_t a_only, std::int64_t b_only, std::int64_t exact_below) {
  if (a_only < 0 || b_only < 0) {
    throw UserError("mcnemar: counts must be >= 0, got " + std::to_string(a_only) + " and " + std::to_string(b_only));
  }
  McNemarTest test;
  test.a_only = a_only;
  test.b_only = b_only;
  const std::int64_t n = a_only + b_only;
  if (n == 0 || n < exact_below) {
    test.method = "exact";
    test.statistic = std::numeric_limits<double>::quiet_NaN();
    // Binomial(n, 1/2) is symmetric, so the two-sided p (outcomes no more likely than the one
    // observed) is twice the smaller tail, capped at 1.
    test.p_value = n == 0 ? 1.0 : std::min(1.0, 2.0 * binomial_half_cdf(std::min(a_only, b_only), n));
  } else {
    test.method = "chi2_corrected";
    const double gap = std::abs(static_cast<double>(a_only - b_only)) - 1.0;
    test.statistic = gap * gap / static_cast<double>(n);
    test.p_value = std::erfc(std::sqrt(test.statistic / 2.0));  // chi-square survival, 1 degree of freedom
  }
  return test;
}

BootstrapInterval paired_bootstrap(const std::vector<int>& a_correct, const std::vector<int>& b_correct, int resamples,
                                   double confidence, std::uint64_t seed) {
  if (a_correct.size() != b_correct.size() || a_correct.empty()) {
    throw UserError("paired_bootstrap: needs the same, non-zero number of outcomes for both models (got " +
                    std::to_string(a_correct.size()) + " and " + std::to_string(b_correct.size()) + ")");
  }
  if (resamples < 1) throw UserError("paired_bootstrap: resamples must be >= 1, got " + std::to_string(resamples));
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw UserError("paired_bootstrap: confidence must be in (0, 1), got " + std::to_string(confidence));
  }
  const std::size_t n = a_correct.size();
  std::vector<int> difference(n);
  for (std::size_t i = 0; i < n; ++i) {
    if ((a_correct[i] != 0 && a_correct[i] != 1) || (b_correct[i] != 0 && b_correct[i] != 1)) {
      throw UserError("paired_bootstrap: outcomes must be 0 or 1 (at " + std::to_string(i) + ")");
    }
    difference[i] = b_correct[i] - a_correct[i];
  }
  SplitMix64 rng{seed};
  std::vector<double> means;
  means.reserve(static_cast<std::size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += difference[rng.below(n)];
    means.push_back(static_cast<double>(sum) / static_cast<double>(n));
  }
  std::sort(means.begin(), means.end());
  BootstrapInterval interval;
  interval.resamples = resamples;
  interval.confidence = confidence;
  interval.seed = seed;
  interval.low = percentile_sorted(means, (1.0 - confidence) / 2.0);
  interval.high = percentile_sorted(means, (1.0 + confidence) / 2.0);
  return interval;
}

}  // namespace tessera::metrics
