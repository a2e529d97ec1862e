// Slice ordering from header geometry alone (no files): order along the slice normal, median
// spacing, gap/duplicate/orientation warnings, and the file-order fallback.
#include <gtest/gtest.h>

#include <vector>

#include "tessera/io/dicom_series.h"

using namespace tessera::io;

namespace {

constexpr std::array<double, 6> kAxial = {1, 0, 0, 0, 1, 0};     // normal +z
constexpr std::array<double, 6> kSagittal = {0, 1, 0, 0, 0, -1};  // normal -x

DicomMetadata slice_at(std::array<double, 3> position, std::array<double, 6> orientation = kAxial) {
  DicomMetadata meta;
  meta.image_position = position;
  meta.image_orientation = orientation;
  return meta;
}

std::vector<DicomMetadata> axial(const std::vector<double>& z) {
  std::vector<DicomMetadata> slices;
  for (double v : z) slices.push_back(slice_at({10.0, -20.0, v}));
  return slices;
}

}  // namespace

TEST(OrderSlices, SortsByPositionAlongTheNormalNotByInputOrder) {
  const SliceOrder order = order_slices(axial({6.0, 0.0, 3.0, 9.0}));
  EXPECT_EQ(order.order, (std::vector<std::size_t>{1, 2, 0, 3}));
  EXPECT_EQ(order.positions, (std::vector<double>{0.0, 3.0, 6.0, 9.0}));
  EXPECT_DOUBLE_EQ(order.spacing, 3.0);
  EXPECT_TRUE(order.has_geometry);
  EXPECT_TRUE(order.warnings.empty());
}

TEST(OrderSlices, UsesTheNormalOfObliqueAndSagittalStacks) {
  // Sagittal: the normal is -x, so the slice with the largest x comes first.
  std::vector<DicomMetadata> slices = {slice_at({-5, 0, 0}, kSagittal), slice_at({5, 0, 0}, kSagittal),
                                       slice_at({0, 0, 0}, kSagittal)};
  const SliceOrder order = order_slices(slices);
  EXPECT_EQ(order.order, (std::vector<std::size_t>{1, 2, 0}));
  EXPECT_DOUBLE_EQ(order.spacing, 5.0);
  // Positions that move along x and y at once only count along the normal (+z here).
  const SliceOrder shifted = order_slices({slice_at({7, 1, 2.0}), slice_at({-3, 4, 0.0})});
  EXPECT_EQ(shifted.order, (std::vector<std::size_t>{1, 0}));
  EXPECT_DOUBLE_EQ(shifted.spacing, 2.0);
}

TEST(OrderSlices, WarnsAboutAGapAndKeepsTheMedianSpacing) {
  const SliceOrder order = order_slices(axial({0.0, 2.5, 5.0, 12.5, 15.0}));
  EXPECT_DOUBLE_EQ(order.spacing, 2.5);
  ASSERT_EQ(order.warnings.size(), 1u);
  EXPECT_EQ(order.warnings[0], "gap of 7.5 mm between slice #2 and slice #3 (spacing 2.5 mm)");
  EXPECT_TRUE(order.duplicates.empty());
  // The caller decides how slices are named (the predictor uses its opaque sample references).
  const SliceOrder named = order_slices(axial({0.0, 2.5, 5.0, 12.5}), [](std::size_t i) { return "s" + std::to_string(i); });
  EXPECT_EQ(named.warnings.at(0), "gap of 7.5 mm between s2 and s3 (spacing 2.5 mm)");
}

TEST(OrderSlices, ReportsDuplicatesAndKeepsTheFirstInInputOrder) {
  const SliceOrder order = order_slices(axial({3.0, 0.0, 3.004, 6.0}));
  ASSERT_EQ(order.warnings.size(), 1u);
  EXPECT_EQ(order.warnings[0], "duplicate slice position 3.004 mm: slice #0 and slice #2");
  EXPECT_EQ(order.duplicates, (std::vector<std::size_t>{2}));
  EXPECT_DOUBLE_EQ(order.spacing, 3.0);  // the duplicate is not a 0 mm step
  EXPECT_EQ(order.order.size(), 4u);     // every slice stays in the order; duplicates are flagged
}

TEST(OrderSlices, WarnsAboutMixedOrientation) {
  std::vector<DicomMetadata> slices = axial({0.0, 1.0});
  slices.push_back(slice_at({0, 0, 2.0}, {1, 0, 0, 0, 0.9, 0.1}));
  const SliceOrder order = order_slices(slices);
  ASSERT_EQ(order.warnings.size(), 1u);
  EXPECT_EQ(order.warnings[0], "slice #2 is oriented differently from slice #0");
}

TEST(OrderSlices, WithoutGeometryKeepsFileOrderAndSaysSo) {
  std::vector<DicomMetadata> slices = axial({5.0, 0.0});
  slices.push_back(DicomMetadata{});
  const SliceOrder order = order_slices(slices);
  EXPECT_FALSE(order.has_geometry);
  EXPECT_EQ(order.order, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(order.spacing, 0.0);
  ASSERT_EQ(order.warnings.size(), 1u);
  EXPECT_NE(order.warnings[0].find("kept in file order"), std::string::npos);
  EXPECT_TRUE(order_slices({}).order.empty());
  EXPECT_TRUE(order_slices({DicomMetadata{}}).warnings.empty());  // one slice needs no order
}
