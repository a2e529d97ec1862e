#include "tessera/metrics/latency.h"

#include <gtest/gtest.h>

#include <limits>

#include "tessera/core/error.h"

namespace tessera::metrics {
namespace {

constexpr double kExact = 1e-12;

// numpy linear percentile: position p/100 * (n - 1) in the sorted samples, interpolated.
TEST(Latency, FiveSamplesUnsorted) {
  // sorted 1 2 3 4 5: p50 at 2 -> 3; p90 at 3.6 -> 4.6; p95 at 3.8 -> 4.8; p99 at 3.96 -> 4.96.
  const auto s = summarize_latencies({5.0, 1.0, 4.0, 2.0, 3.0});
  EXPECT_EQ(s.count, 5u);
  EXPECT_NEAR(s.mean_ms, 3.0, kExact);
  EXPECT_NEAR(s.p50_ms, 3.0, kExact);
  EXPECT_NEAR(s.p90_ms, 4.6, kExact);
  EXPECT_NEAR(s.p95_ms, 4.8, kExact);
  EXPECT_NEAR(s.p99_ms, 4.96, kExact);
  EXPECT_EQ(s.max_ms, 5.0);
}

TEST(Latency, TenSamples) {
  // np.percentile(np.arange(1, 11), [50, 90, 95, 99]) == [5.5, 9.1, 9.55, 9.91]
  std::vector<double> ms;
  for (int i = 10; i >= 1; --i) ms.push_back(i);
  const auto s = summarize_latencies(ms);
  EXPECT_EQ(s.count, 10u);
  EXPECT_NEAR(s.mean_ms, 5.5, kExact);
  EXPECT_NEAR(s.p50_ms, 5.5, kExact);
  EXPECT_NEAR(s.p90_ms, 9.1, kExact);
  EXPECT_NEAR(s.p95_ms, 9.55, kExact);
  EXPECT_NEAR(s.p99_ms, 9.91, kExact);
  EXPECT_EQ(s.max_ms, 10.0);
}

TEST(Latency, SkewedSamples) {
  // sorted 1 1 2 100: mean 26; p50 at 1.5 -> 1.5; p90 at 2.7 -> 2 + 0.7*98 = 70.6;
  // p95 at 2.85 -> 2 + 0.85*98 = 85.3; p99 at 2.97 -> 2 + 0.97*98 = 97.06.
  const auto s = summarize_latencies({100.0, 1.0, 2.0, 1.0});
  EXPECT_NEAR(s.mean_ms, 26.0, kExact);
  EXPECT_NEAR(s.p50_ms, 1.5, kExact);
  EXPECT_NEAR(s.p90_ms, 70.6, kExact);
  EXPECT_NEAR(s.p95_ms, 85.3, kExact);
  EXPECT_NEAR(s.p99_ms, 97.06, kExact);
  EXPECT_EQ(s.max_ms, 100.0);
}

TEST(Latency, SingleSample) {
  const auto s = summarize_latencies({7.25});
  EXPECT_EQ(s.count, 1u);
  EXPECT_EQ(s.mean_ms, 7.25);
  EXPECT_EQ(s.p50_ms, 7.25);
  EXPECT_EQ(s.p90_ms, 7.25);
  EXPECT_EQ(s.p95_ms, 7.25);
  EXPECT_EQ(s.p99_ms, 7.25);
  EXPECT_EQ(s.max_ms, 7.25);
}

TEST(Latency, EmptyIsAllZero) {
  const auto s = summarize_latencies({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.mean_ms, 0.0);
  EXPECT_EQ(s.p50_ms, 0.0);
  EXPECT_EQ(s.p90_ms, 0.0);
  EXPECT_EQ(s.p95_ms, 0.0);
  EXPECT_EQ(s.p99_ms, 0.0);
  EXPECT_EQ(s.max_ms, 0.0);
}

TEST(Latency, RejectsInvalidSamples) {
  EXPECT_THROW(summarize_latencies({1.0, -0.5}), UserError);
  EXPECT_THROW(summarize_latencies({std::numeric_limits<double>::quiet_NaN()}), UserError);
  EXPECT_THROW(summarize_latencies({std::numeric_limits<double>::infinity()}), UserError);
}

TEST(Latency, ToJson) {
  const auto j = to_json(summarize_latencies({5.0, 1.0, 4.0, 2.0, 3.0}));
  EXPECT_EQ(j["count"], 5);
  EXPECT_NEAR(j["mean_ms"].get<double>(), 3.0, kExact);
  EXPECT_NEAR(j["p50_ms"].get<double>(), 3.0, kExact);
  EXPECT_NEAR(j["p90_ms"].get<double>(), 4.6, kExact);
  EXPECT_NEAR(j["p95_ms"].get<double>(), 4.8, kExact);
  EXPECT_NEAR(j["p99_ms"].get<double>(), 4.96, kExact);
  EXPECT_NEAR(j["max_ms"].get<double>(), 5.0, kExact);
  EXPECT_EQ(j.size(), 7u);
}

}  // namespace
}  // namespace tessera::metrics
