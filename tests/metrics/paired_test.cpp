// McNemar against scipy (scipy.stats.binomtest, scipy.stats.chi2.sf; tolerance 1e-9 absolute and
// 1e-9 relative, for tiny p-values) and the paired bootstrap on hand cases.
#include "tessera/metrics/paired.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "python_oracle.h"
#include "tessera/core/error.h"

namespace tessera::metrics {
namespace {

using namespace tessera::metrics::testing;

constexpr double kTolerance = 1e-9;

TEST(McNemar, HandCases) {
  // No discordant pairs: nothing to test.
  const auto none = mcnemar(0, 0);
  EXPECT_EQ(none.method, "exact");
  EXPECT_EQ(none.p_value, 1.0);
  EXPECT_TRUE(std::isnan(none.statistic));
  // 0 vs 5: 2 * (1/2)^5 = 1/16.
  EXPECT_NEAR(mcnemar(0, 5).p_value, 1.0 / 16.0, 1e-15);
  // 1 vs 4: 2 * (1 + 5) / 32 = 12/32.
  EXPECT_NEAR(mcnemar(4, 1).p_value, 12.0 / 32.0, 1e-15);
  EXPECT_EQ(mcnemar(6, 6).p_value, 1.0);
  // 25 discordant pairs switch to chi-square: (|10 - 15| - 1)^2 / 25 = 0.64.
  const auto chi2 = mcnemar(10, 15);
  EXPECT_EQ(chi2.method, "chi2_corrected");
  EXPECT_NEAR(chi2.statistic, 0.64, 1e-15);
  EXPECT_EQ(mcnemar(10, 14).method, "exact");
  EXPECT_THROW(mcnemar(-1, 3), UserError);
}

TEST(McNemar, MatchesScipy) {
  if (const auto reason = oracle_unavailable(); !reason.empty()) GTEST_SKIP() << reason;
  const std::vector<std::pair<std::int64_t, std::int64_t>> counts{
      {0, 1}, {1, 0}, {3, 10}, {0, 24}, {5, 19}, {12, 12}, {11, 13}, {7, 30}, {13, 12},
      {30, 45}, {100, 60}, {1000, 1100}, {0, 200}, {2, 3}};
  nlohmann::json input = nlohmann::json::array();
  for (const auto& [b, c] : counts) input.push_back({{"kind", "mcnemar"}, {"a_only", b}, {"b_only", c}});
  const auto answers = run_oracle(input)["cases"];
  ASSERT_EQ(answers.size(), counts.size());
  double worst = 0.0;
  const auto check = [&](double actual, double expected, const std::string& what) {
    const double deviation = std::abs(actual - expected);
    EXPECT_LE(deviation, kTolerance + kTolerance * std::abs(expected)) << what << ": " << actual << " vs " << expected;
    if (expected > 0) EXPECT_LE(deviation / expected, 1e-9) << what << " (relative)";
    worst = std::max(worst, deviation);
  };
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const auto [b, c] = counts[i];
    const std::string what = std::to_string(b) + " vs " + std::to_string(c);
    check(mcnemar(b, c, std::numeric_limits<std::int64_t>::max()).p_value, answers[i]["exact_p"].get<double>(),
          what + " exact");
    const auto chi2 = mcnemar(b, c, 0);
    EXPECT_EQ(chi2.method, "chi2_corrected");
    check(chi2.statistic, answers[i]["chi2_statistic"].get<double>(), what + " statistic");
    check(chi2.p_value, answers[i]["chi2_p"].get<double>(), what + " chi2 p");
    // And the default switch at 25 discordant pairs picks one of the two.
    EXPECT_EQ(mcnemar(b, c).method, b + c < 25 ? "exact" : "chi2_corrected");
  }
  std::printf("[ oracle   ] largest McNemar deviation from scipy: %.3g\n", worst);
}

// n paired outcomes: A right with probability pa; B agrees with A except on some samples.
void paired_outcomes(std::size_t n, double pa, double flip_up, double flip_down, unsigned seed, std::vector<int>& a,
                     std::vector<int>& b) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  a.clear();
  b.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const int right = u(rng) < pa ? 1 : 0;
    a.push_back(right);
    b.push_back(right ? (u(rng) < flip_down ? 0 : 1) : (u(rng) < flip_up ? 1 : 0));
  }
}

double mean_difference(const std::vector<int>& a, const std::vector<int>& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += b[i] - a[i];
  return sum / static_cast<double>(a.size());
}

TEST(PairedBootstrap, IdenticalModelsGiveZeroWidth) {
  std::vector<int> a, b;
  paired_outcomes(500, 0.8, 0.0, 0.0, 1, a, b);
  ASSERT_EQ(a, b);
  const auto ci = paired_bootstrap(a, b);
  EXPECT_EQ(ci.low, 0.0);
  EXPECT_EQ(ci.high, 0.0);
  EXPECT_EQ(ci.resamples, 2000);
  EXPECT_EQ(ci.confidence, 0.95);
  // B right exactly where A is wrong, everywhere: every resample differs by +1.
  const auto all = paired_bootstrap({0, 0, 0}, {1, 1, 1}, 100);
  EXPECT_EQ(all.low, 1.0);
  EXPECT_EQ(all.high, 1.0);
}

TEST(PairedBootstrap, ContainsTheDifferenceWithNormalWidth) {
  for (const unsigned seed : {2u, 3u, 4u}) {
    SCOPED_TRACE(seed);
    std::vector<int> a, b;
    paired_outcomes(2000, 0.8, 0.3, 0.05, seed, a, b);
    const double difference = mean_difference(a, b);
    const auto ci = paired_bootstrap(a, b, 2000, 0.95, seed);
    EXPECT_LE(ci.low, difference);
    EXPECT_GE(ci.high, difference);
    // Normal approximation of the mean of the paired differences: 2 * 1.96 * sd / sqrt(n).
    double squares = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) squares += std::pow(b[i] - a[i] - difference, 2);
    const double sd = std::sqrt(squares / static_cast<double>(a.size()));
    const double normal_width = 2.0 * 1.959964 * sd / std::sqrt(static_cast<double>(a.size()));
    EXPECT_NEAR((ci.high - ci.low) / normal_width, 1.0, 0.2) << ci.low << " .. " << ci.high;
  }
}

TEST(PairedBootstrap, SeededAndReproducible) {
  std::vector<int> a, b;
  paired_outcomes(300, 0.7, 0.2, 0.1, 5, a, b);
  const auto first = paired_bootstrap(a, b, 500, 0.9, 42);
  const auto again = paired_bootstrap(a, b, 500, 0.9, 42);
  EXPECT_EQ(first.low, again.low);
  EXPECT_EQ(first.high, again.high);
  EXPECT_EQ(first.seed, 42u);
  const auto other = paired_bootstrap(a, b, 500, 0.9, 43);
  EXPECT_TRUE(other.low != first.low || other.high != first.high);
  // A narrower confidence gives a narrower interval from the same draws.
  const auto narrow = paired_bootstrap(a, b, 500, 0.5, 42);
  EXPECT_LE(narrow.high - narrow.low, first.high - first.low);
}

TEST(PairedBootstrap, RejectsBadInput) {
  EXPECT_THROW(paired_bootstrap({}, {}), UserError);
  EXPECT_THROW(paired_bootstrap({1, 0}, {1}), UserError);
  EXPECT_THROW(paired_bootstrap({1, 2}, {1, 0}), UserError);
  EXPECT_THROW(paired_bootstrap({1, 0}, {1, 0}, 0), UserError);
  EXPECT_THROW(paired_bootstrap({1, 0}, {1, 0}, 10, 1.0), UserError);
}

}  // namespace
}  // namespace tessera::metrics
