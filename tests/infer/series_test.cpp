// Series aggregation and the CSV columns infer writes (no files, no model).
#include <gtest/gtest.h>

#include <stdexcept>

#include "tessera/infer/prediction_csv.h"
#include "tessera/infer/series.h"

using namespace tessera::infer;

TEST(SeriesAggregate, MeanAndMaxPerClass) {
  const std::vector<std::vector<float>> slices = {{0.7f, 0.2f, 0.1f}, {0.1f, 0.8f, 0.1f}, {0.4f, 0.4f, 0.2f}};
  const auto mean = aggregate_probabilities(slices, SeriesAggregate::mean);
  ASSERT_EQ(mean.size(), 3u);
  EXPECT_NEAR(mean[0], 0.4f, 1e-6f);
  EXPECT_NEAR(mean[1], 1.4f / 3, 1e-6f);
  EXPECT_NEAR(mean[2], 0.4f / 3, 1e-6f);
  EXPECT_EQ(aggregate_probabilities(slices, SeriesAggregate::max), (std::vector<float>{0.7f, 0.8f, 0.2f}));
  EXPECT_TRUE(aggregate_probabilities({}, SeriesAggregate::mean).empty());
  EXPECT_THROW(aggregate_probabilities({{0.5f, 0.5f}, {1.0f}}, SeriesAggregate::max), std::invalid_argument);
  EXPECT_EQ(parse_series_aggregate("max"), SeriesAggregate::max);
  EXPECT_THROW(parse_series_aggregate("median"), std::invalid_argument);
}

TEST(PredictionCsv, ColumnsHeaderAndEmptyRowLineUp) {
  const std::vector<std::string> classes = {"cat", "dog, big", "eel"};
  EXPECT_EQ(prediction_header(2), "label,confidence,top1,top1_prob,top2,top2_prob");
  // Ties keep the lower class index first; names with commas are quoted.
  EXPECT_EQ(prediction_columns({0.25f, 0.5f, 0.25f}, classes, 3),
            "\"dog, big\",0.500000,\"dog, big\",0.500000,cat,0.250000,eel,0.250000");
  const auto commas = [](const std::string& s) { return std::count(s.begin(), s.end(), ','); };
  EXPECT_EQ(commas(empty_prediction_columns(2)), commas(prediction_header(2)));
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
}
