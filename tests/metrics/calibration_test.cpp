#include "tessera/metrics/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tessera/core/error.h"

namespace tessera::metrics {
namespace {

constexpr double kExact = 1e-12;

TEST(Calibration, BinOfAValue) {
  EXPECT_EQ(calibration_bin(0.0, 15), 0);
  EXPECT_EQ(calibration_bin(1.0, 15), 14);  // 1.0 joins the last bin
  EXPECT_EQ(calibration_bin(0.999, 15), 14);
  EXPECT_EQ(calibration_bin(0.2, 5), 1);   // an inner edge opens the upper bin: floor(0.2 * 5) = 1
  EXPECT_EQ(calibration_bin(0.19, 5), 0);
  EXPECT_EQ(calibration_bin(0.5, 2), 1);
  EXPECT_EQ(calibration_bin(0.7, 1), 0);
}

// Hand-computed, 5 bins of width 0.2, 8 samples:
//   bin 0 [0, .2)   : none
//   bin 1 [.2, .4)  : 0.2 (right), 0.3 (wrong)         conf 0.25, acc 0.5,  gap 0.25
//   bin 2 [.4, .6)  : none
//   bin 3 [.6, .8)  : 0.7 (right), 0.7 (right), 0.75 (wrong)  conf 2.15/3, acc 2/3, gap 0.05
//   bin 4 [.8, 1]   : 0.9 (right), 1.0 (right), 0.8 (wrong)   conf 0.9, acc 2/3, gap 0.9 - 2/3
// ECE = 2/8 * 0.25 + 3/8 * 0.05 + 3/8 * (0.9 - 2/3) = 0.0625 + 0.01875 + 0.0875 = 0.16875
// MCE = max(0.25, 0.05, 0.2333...) = 0.25
TEST(Calibration, HandComputedEceAndTable) {
  const std::vector<double> confidence{0.2, 0.3, 0.7, 0.7, 0.75, 0.9, 1.0, 0.8};
  const std::vector<int> correct{1, 0, 1, 1, 0, 1, 1, 0};
  const auto c = calibration(confidence, correct, 5);
  EXPECT_EQ(c.bins, 5);
  EXPECT_EQ(c.count, 8);
  EXPECT_NEAR(c.ece, 0.16875, kExact);
  EXPECT_NEAR(c.mce, 0.25, kExact);
  ASSERT_EQ(c.table.size(), 5u);
  const std::int64_t counts[] = {0, 2, 0, 3, 3};
  for (std::size_t b = 0; b < 5; ++b) {
    SCOPED_TRACE(b);
    EXPECT_NEAR(c.table[b].lower, 0.2 * static_cast<double>(b), kExact);
    EXPECT_NEAR(c.table[b].upper, 0.2 * static_cast<double>(b + 1), kExact);
    EXPECT_EQ(c.table[b].count, counts[b]);
  }
  EXPECT_TRUE(std::isnan(c.table[0].mean_value));
  EXPECT_TRUE(std::isnan(c.table[2].observed));
  EXPECT_NEAR(c.table[1].mean_value, 0.25, kExact);
  EXPECT_NEAR(c.table[1].observed, 0.5, kExact);
  EXPECT_NEAR(c.table[3].mean_value, 2.15 / 3.0, kExact);
  EXPECT_NEAR(c.table[3].observed, 2.0 / 3.0, kExact);
  EXPECT_NEAR(c.table[4].mean_value, 0.9, kExact);
  EXPECT_NEAR(c.table[4].observed, 2.0 / 3.0, kExact);

  const auto j = to_json(c);
  EXPECT_EQ(j["bins"], 5);
  EXPECT_NEAR(j["ece"].get<double>(), 0.16875, kExact);
  EXPECT_NEAR(j["mce"].get<double>(), 0.25, kExact);
  ASSERT_EQ(j["table"].size(), 5u);
  EXPECT_TRUE(j["table"][0]["confidence"].is_null());
  EXPECT_TRUE(j["table"][0]["accuracy"].is_null());
  EXPECT_EQ(j["table"][3]["count"], 3);
  EXPECT_NEAR(j["table"][4]["accuracy"].get<double>(), 2.0 / 3.0, kExact);
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j);
}

TEST(Calibration, DefaultIsFifteenBins) {
  const auto c = calibration({0.5}, {1});
  EXPECT_EQ(c.bins, 15);
  ASSERT_EQ(c.table.size(), 15u);
  EXPECT_EQ(c.table[7].count, 1);  // floor(0.5 * 15) = 7
  EXPECT_NEAR(c.table[14].upper, 1.0, kExact);
  EXPECT_NEAR(c.ece, 0.5, kExact);
  EXPECT_NEAR(c.mce, 0.5, kExact);
}

TEST(Calibration, PerfectlyCalibratedAndEmpty) {
  // Two bins each holding exactly its accuracy: 0.25 with 1 of 4 right, 0.75 with 3 of 4 right.
  const auto c = calibration({0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75}, {1, 0, 0, 0, 1, 1, 1, 0}, 2);
  EXPECT_NEAR(c.ece, 0.0, kExact);
  EXPECT_NEAR(c.mce, 0.0, kExact);
  const auto empty = calibration({}, {}, 15);
  EXPECT_EQ(empty.count, 0);
  EXPECT_EQ(empty.ece, 0.0);
  EXPECT_EQ(empty.mce, 0.0);
  EXPECT_EQ(empty.table.size(), 15u);
}

TEST(Calibration, RejectsBadInput) {
  EXPECT_THROW(calibration({0.5}, {1}, 0), UserError);
  EXPECT_THROW(calibration({0.5, 0.6}, {1}), UserError);
  EXPECT_THROW(calibration({1.5}, {1}), UserError);
  EXPECT_THROW(calibration({-0.1}, {1}), UserError);
  EXPECT_THROW(calibration({std::numeric_limits<double>::quiet_NaN()}, {1}), UserError);
  EXPECT_THROW(calibration({0.5}, {2}), UserError);
}

}  // namespace
}  // namespace tessera::metrics
