// PSI on hand-computed cases; the KS statistic and p-value against scipy (tests/monitor/ks_reference.py).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "models/test_util.h"
#include "support/temp_dir.h"
#include "tessera/monitor/statistics.h"

namespace tessera::monitor {
namespace {

using models::testing::python_has;
using models::testing::run_python;
using models::testing::shell_quote;

TEST(PopulationStabilityIndex, MatchesHandComputedValues) {
  // p = (0.5, 0.3, 0.2), q = (0.3, 0.3, 0.4): (0.3 - 0.5) ln(0.3/0.5) + 0 + (0.4 - 0.2) ln(0.4/0.2).
  EXPECT_NEAR(population_stability_index({50, 30, 20}, {30, 30, 40}, 1e-4),
              -0.2 * std::log(0.6) + 0.2 * std::log(2.0), 1e-15);
  // Counts, not proportions: scaling either side changes nothing.
  EXPECT_NEAR(population_stability_index({5, 3, 2}, {300, 300, 400}, 1e-4),
              -0.2 * std::log(0.6) + 0.2 * std::log(2.0), 1e-15);
  EXPECT_EQ(population_stability_index({1, 2, 3}, {2, 4, 6}, 1e-4), 0.0);
}

TEST(PopulationStabilityIndex, EmptyBinsCountAsEpsilon) {
  // Reference (1, 0) -> p = (1, 1e-4); new q = (0.5, 0.5).
  const double expected = (0.5 - 1.0) * std::log(0.5 / 1.0) + (0.5 - 1e-4) * std::log(0.5 / 1e-4);
  EXPECT_NEAR(population_stability_index({10, 0}, {5, 5}, 1e-4), expected, 1e-14);
  // A bin empty on both sides adds nothing.
  EXPECT_NEAR(population_stability_index({10, 0, 0}, {5, 5, 0}, 1e-4), expected, 1e-14);
  // Epsilon is what the result depends on: 1e-3 instead.
  EXPECT_NEAR(population_stability_index({10, 0}, {5, 5}, 1e-3),
              (0.5 - 1.0) * std::log(0.5) + (0.5 - 1e-3) * std::log(0.5 / 1e-3), 1e-14);
}

TEST(PopulationStabilityIndex, RejectsMismatchedOrEmptyInput) {
  EXPECT_THROW(population_stability_index({1, 2}, {1, 2, 3}, 1e-4), std::invalid_argument);
  EXPECT_THROW(population_stability_index({0, 0}, {1, 2}, 1e-4), std::invalid_argument);
  EXPECT_THROW(population_stability_index({1, -1}, {1, 2}, 1e-4), std::invalid_argument);
  EXPECT_THROW(population_stability_index({1, 2}, {1, 2}, 0.0), std::invalid_argument);
}

TEST(QuantileEdges, AreNumpyLinearQuantilesWithoutDuplicates) {
  // numpy.quantile(range(1, 11), [0, .25, .5, .75, 1]) = 1, 3.25, 5.5, 7.75, 10.
  EXPECT_EQ(quantile_edges({10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 4), (std::vector<double>{1, 3.25, 5.5, 7.75, 10}));
  EXPECT_EQ(quantile_edges({3, 3, 3, 3}, 10), (std::vector<double>{3}));
  EXPECT_EQ(quantile_edges({0, 0, 0, 1}, 2), (std::vector<double>{0, 1}));
  EXPECT_THROW(quantile_edges({}, 4), std::invalid_argument);
}

TEST(BinCounts, SplitsAtEdgesWithOpenOuterBins) {
  const std::vector<double> edges{1, 3.25, 5.5, 7.75, 10};
  // 0 below; 1 and 3 in [1, 3.25); 3.25 and 5 in [3.25, 5.5); 10 closes the last inner bin; 11 above.
  EXPECT_EQ(bin_counts({0, 1, 3, 3.25, 5, 10, 11, NAN}, edges), (std::vector<double>{1, 2, 2, 0, 1, 1}));
  // A constant reference: below, equal, above, so a shift either way leaves the middle bin.
  EXPECT_EQ(bin_counts({19, 20, 20, 28}, {20}), (std::vector<double>{1, 2, 1}));
  EXPECT_GT(population_stability_index(bin_counts({20, 20, 20}, {20}), bin_counts({28, 28, 28}, {20}), 1e-4), 10.0);
}

TEST(KolmogorovSmirnov, HandComputedStatistic) {
  // a = {1, 2, 3}, b = {2.5, 4}: after 2, F_a = 2/3 and F_b = 0; after 3, 1 and 1/2 -> D = 2/3.
  const KsResult r = ks_two_sample({3, 1, 2}, {4, 2.5});
  EXPECT_DOUBLE_EQ(r.statistic, 2.0 / 3.0);
  EXPECT_EQ(r.effective_n, 1);  // 3 * 2 / 5 = 1.2
  EXPECT_EQ(ks_two_sample({1, 1, 1}, {1, 1}).statistic, 0.0);
  EXPECT_EQ(ks_two_sample({1, 1, 1}, {1, 1}).p_value, 1.0);
  EXPECT_THROW(ks_two_sample({}, {1}), std::invalid_argument);
  EXPECT_THROW(ks_two_sample({NAN}, {1}), std::invalid_argument);
}

// Relative 1e-6 on p-values (absolute 1e-300 where scipy's value underflows towards 0). Returns
// the relative difference, so each test can state the largest it saw.
double expect_probability(double actual, double expected, const std::string& what) {
  if (expected < 1e-300) {
    EXPECT_LE(actual, 1e-300) << what << " scipy " << expected;
    return 0.0;
  }
  EXPECT_NEAR(actual, expected, 1e-6 * expected) << what;
  return std::abs(actual - expected) / expected;
}

class ScipyReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!python_has("scipy, numpy")) return;
    dir_ = new testing::TempDir("ks");
    const auto out = dir_->path() / "ks.json";
    const std::string script = std::string(TESSERA_SOURCE_DIR) + "/tests/monitor/ks_reference.py";
    if (run_python(shell_quote(script) + " " + shell_quote(out.string())) == 0) {
      std::ifstream in(out);
      reference_ = nlohmann::json::parse(in);
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (reference_.is_null()) GTEST_SKIP() << "the configured Python has no scipy (TESSERA_PYTHON)";
  }
  static inline testing::TempDir* dir_ = nullptr;
  static inline nlohmann::json reference_;
};

TEST_F(ScipyReference, TwoSampleStatisticAndAsymptoticPValue) {
  ASSERT_GE(reference_["samples"].size(), 10u);
  double worst = 0.0;
  for (const auto& c : reference_["samples"]) {
    const std::string name = c["name"];
    const KsResult r = ks_two_sample(c["a"].get<std::vector<double>>(), c["b"].get<std::vector<double>>());
    EXPECT_NEAR(r.statistic, c["statistic"].get<double>(), 1e-9) << name;
    worst = std::max(worst, expect_probability(r.p_value, c["p_value"].get<double>(), name));
  }
  std::printf("largest relative p-value difference from scipy %s: %.2e\n", reference_["scipy"].get<std::string>().c_str(), worst);
}

TEST_F(ScipyReference, TwoSidedDistributionInEveryRegion) {
  double worst = 0.0;
  for (const auto& c : reference_["kstwo"]) {
    const auto n = c["n"].get<std::int64_t>();
    const double x = c["x"].get<double>();
    worst = std::max(worst, expect_probability(kolmogorov_two_sided_sf(n, x), c["sf"].get<double>(),
                                               "kstwo.sf(" + std::to_string(x) + ", " + std::to_string(n) + ")"));
  }
  std::printf("largest relative difference from kstwo.sf over %zu points: %.2e\n", reference_["kstwo"].size(), worst);
}

TEST_F(ScipyReference, OneSidedSmirnov) {
  double worst = 0.0;
  for (const auto& c : reference_["smirnov"]) {
    const auto n = c["n"].get<std::int64_t>();
    const double x = c["x"].get<double>();
    worst = std::max(worst, expect_probability(smirnov_sf(n, x), c["sf"].get<double>(),
                                               "smirnov(" + std::to_string(n) + ", " + std::to_string(x) + ")"));
  }
  std::printf("largest relative difference from scipy.special.smirnov: %.2e\n", worst);
}

}  // namespace
}  // namespace tessera::monitor
