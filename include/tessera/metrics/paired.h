#pragma once
// Statistics for comparing two classifiers on the same samples (`tessera compare`): McNemar's test
// on the discordant pairs and a paired bootstrap interval for the accuracy difference. Pure maths.
//
// Both work on paired outcomes: for sample i, whether model A and model B got it right. Only the
// discordant samples (one right, the other wrong) carry evidence about which model is better.
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::metrics {

struct McNemarTest {
  std::int64_t a_only = 0;  // samples A got right and B wrong
  std::int64_t b_only = 0;  // samples B got right and A wrong
  std::string method;       // "exact" or "chi2_corrected"
  double statistic = 0.0;   // chi-square statistic; NaN for the exact test
  double p_value = 1.0;     // two-sided
};

// McNemar's test of "A and B are equally often right". With fewer than `exact_below` discordant
// pairs, the exact two-sided binomial test of a_only ~ Binomial(a_only + b_only, 1/2) (scipy's
// binomtest; for p = 1/2 it is min(1, 2 * P(X <= min(a_only, b_only)))); otherwise the chi-square
// test with Edwards' continuity correction, (|a_only - b_only| - 1)^2 / (a_only + b_only) on one
// degree of freedom (statsmodels' mcnemar(exact=False)). No discordant pairs: exact, p = 1.
// Negative counts are a UserError.
McNemarTest mcnemar(std::int64_t a_only, std::int64_t b_only, std::int64_t exact_below = 25);

struct BootstrapInterval {
  int resamples = 2000;
  double confidence = 0.95;
  std::uint64_t seed = 0;
  double low = 0.0, high = 0.0;
};

// Percentile bootstrap interval of accuracy(B) - accuracy(A): `resamples` times, draw n samples
// with replacement (the same draw for both models, so the pairing is kept) and take the mean of
// b_correct - a_correct; the interval is the (1 - confidence)/2 and (1 + confidence)/2 quantiles
// of those means (numpy's linear percentile). The draws come from core/random.h's SplitMix64
// seeded with `seed` and its unbiased bounded draw, so the interval is the same on every platform.
// a_correct and b_correct hold 0/1 and have the same, non-zero length; resamples >= 1 and
// confidence in (0, 1); else UserError.
BootstrapInterval paired_bootstrap(const std::vector<int>& a_correct, const std::vector<int>& b_correct,
                                   int resamples = 2000, double confidence = 0.95, std::uint64_t seed = 0);

}  // namespace tessera::metrics
