// SVG primitives: numbers, ticks and hand-checked geometry.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/report/charts.h"
#include "tessera/report/svg.h"

namespace tessera::report::svg {
namespace {

TEST(Svg, NumbersAreShortAndAlwaysFinite) {
  EXPECT_EQ(num(12.5), "12.5");
  EXPECT_EQ(num(3.0), "3");
  EXPECT_EQ(num(0.126), "0.13");  // two decimals: sub-pixel precision is enough
  EXPECT_EQ(num(-0.001), "0");
  EXPECT_EQ(num(NAN), "0");
  EXPECT_EQ(num(INFINITY), "0");
}

void expect_ticks(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "tick " << i;
}

TEST(Svg, NiceTicksAreOneTwoFiveStepsInsideTheRange) {
  expect_ticks(nice_ticks(0, 1, 5), {0, 0.2, 0.4, 0.6, 0.8, 1});
  expect_ticks(nice_ticks(1, 15, 6), {2, 4, 6, 8, 10, 12, 14});  // step 2: 7 intervals, nearest to 6
  expect_ticks(nice_ticks(0.93, 0.99, 5), {0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99});
  expect_ticks(nice_ticks(-0.05, 0.05, 4), {-0.04, -0.02, 0, 0.02, 0.04});
  expect_ticks(nice_ticks(0, 2500, 5), {0, 500, 1000, 1500, 2000, 2500});
  expect_ticks(nice_ticks(3, 3), {3});
  EXPECT_TRUE(nice_ticks(NAN, 1).empty());
  EXPECT_EQ(nice_ticks(-0.05, 0.05, 4)[2], 0.0);
  EXPECT_FALSE(std::signbit(nice_ticks(-0.05, 0.05, 4)[2])) << "zero, not -0";
}

TEST(Svg, TickLabelsShowTheDecimalsTheStepNeeds) {
  EXPECT_EQ(tick_label(0.6000000000000001, 0.2), "0.6");
  EXPECT_EQ(tick_label(0.25, 0.05), "0.25");
  EXPECT_EQ(tick_label(1000, 500), "1000");
  EXPECT_EQ(tick_label(-1e-17, 0.02), "0.00");  // no "-0.00"
  EXPECT_EQ(tick_label(3e-5, 1e-5), "3e-05");
}

TEST(Svg, PlotMapsDataToThePlottingArea) {
  Margins m;
  m.left = 50, m.right = 10, m.top = 20, m.bottom = 30;
  Plot plot(260, 220, {0, 1}, {0, 10}, m, "test");
  EXPECT_DOUBLE_EQ(plot.x(0), 50);
  EXPECT_DOUBLE_EQ(plot.x(1), 250);
  EXPECT_DOUBLE_EQ(plot.x(0.5), 150);
  EXPECT_DOUBLE_EQ(plot.y(0), 190);  // SVG y grows downwards
  EXPECT_DOUBLE_EQ(plot.y(10), 20);
}

TEST(Svg, NonFiniteValuesSplitALine) {
  Canvas canvas(100, 100, "x");
  canvas.polyline({{0, 0}, {10, 10}, {NAN, 5}, {20, 20}, {30, 30}, {40, INFINITY}, {50, 50}}, "#000");
  const std::string s = canvas.str();
  EXPECT_NE(s.find("points=\"0,0 10,10\""), std::string::npos) << s;
  EXPECT_NE(s.find("points=\"20,20 30,30\""), std::string::npos) << s;
  EXPECT_EQ(s.find("50,50"), std::string::npos) << "a single point makes no line";
}

TEST(Svg, TextAndTooltipsAreEscaped) {
  Canvas canvas(100, 100, "a \"label\"");
  canvas.text(1, 2, "<script>&\"x'", Anchor::middle, 11, "#000", 0, false, "tip <b>");
  const std::string s = canvas.str();
  EXPECT_NE(s.find("aria-label=\"a &quot;label&quot;\""), std::string::npos);
  EXPECT_NE(s.find("<title>tip &lt;b&gt;</title>&lt;script&gt;&amp;&quot;x&#39;</text>"), std::string::npos) << s;
}

TEST(Charts, HeatMapShowsCountsAndHidesNamesPastThirtyClasses) {
  charts::HeatMap small{"cm", {"a<", "b"}, {{5, 1}, {0, 4}}};
  const std::string s = charts::heat_map(small);
  EXPECT_NE(s.find(">a&lt;</text>"), std::string::npos);
  EXPECT_NE(s.find("5 (83.3% of the true class)"), std::string::npos) << "row-normalised share in the tooltip";
  charts::HeatMap big;
  for (int i = 0; i < 100; ++i) {
    big.labels.push_back("class_" + std::to_string(i));
    big.counts.emplace_back(100, 0.0);
    big.counts.back()[i] = 10;
  }
  const std::string b = charts::heat_map(big);
  EXPECT_EQ(b.find(">class_7</text>"), std::string::npos) << "no names on the axes";
  EXPECT_NE(b.find("true: class_7\npredicted: class_7"), std::string::npos) << "names stay in the tooltips";
  EXPECT_LT(b.size(), 100000u) << "zero cells are not drawn one by one";
}

}  // namespace
}  // namespace tessera::report::svg
