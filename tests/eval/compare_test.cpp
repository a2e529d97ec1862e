// The verdict of `tessera compare` and the PHI-free sample references of the reports. The full
// command runs in tests/e2e/compare_test.cpp.
#include "tessera/eval/compare.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tessera/eval/sample_reference.h"

namespace tessera::eval {
namespace {

TEST(CompareVerdict, ShipsBWhenTestAndIntervalAgree) {
  const auto v = compare_verdict(0.012, 0.004, 0.020, 0.003, 0.95);
  EXPECT_EQ(v["ship"], "b");
  EXPECT_EQ(v["significant"], true);
  EXPECT_EQ(v["text"], "ship B: +1.2 points (95% CI +0.4 to +2.0), McNemar p = 0.003");
}

TEST(CompareVerdict, ShipsAWithTheIntervalTurnedAround) {
  const auto v = compare_verdict(-0.05, -0.08, -0.02, 0.00002, 0.95);
  EXPECT_EQ(v["ship"], "a");
  EXPECT_EQ(v["text"], "ship A: +5.0 points (95% CI +2.0 to +8.0), McNemar p = 2.0e-05");
}

TEST(CompareVerdict, EitherWhenEitherTestDoesNotReject) {
  const auto wide = compare_verdict(0.003, -0.005, 0.011, 0.41, 0.95);
  EXPECT_EQ(wide["ship"], "either");
  EXPECT_EQ(wide["significant"], false);
  EXPECT_EQ(wide["text"], "no significant difference: either (B - A +0.3 points, 95% CI -0.5 to +1.1, McNemar p = 0.410)");
  // McNemar alone, or the interval alone, is not enough.
  EXPECT_EQ(compare_verdict(0.01, 0.001, 0.02, 0.06, 0.95)["ship"], "either");
  EXPECT_EQ(compare_verdict(0.01, -0.001, 0.02, 0.01, 0.95)["ship"], "either");
  EXPECT_EQ(compare_verdict(0.0, 0.0, 0.0, 1.0, 0.95)["ship"], "either");
}

TEST(SampleReference, ImagesByRelativePathDicomOpaque) {
  tessera::testing::TempDir dir("ref");
  data::ClassificationDataset images{{"a", "b"},
                                     {{dir / "test/a/x.png", 0}, {dir / "test/b/sub/y.png", 1}, {"/elsewhere/z.png", 1}},
                                     dir / "test"};
  std::filesystem::create_directories(dir / "test");
  EXPECT_EQ(sample_reference(images, 0), "a/x.png");
  EXPECT_EQ(sample_reference(images, 1), "b/sub/y.png");
  EXPECT_EQ(sample_reference(images, 2), "z.png");  // outside the dataset's folder: the name only
  EXPECT_EQ(path_hint(images), "test");
  images.root = dir / "test/";
  EXPECT_EQ(path_hint(images), "test");
  const auto summary = data_summary(images);
  EXPECT_EQ(summary["samples"], 3);

  // A CSV manifest: relative to its folder.
  data::ClassificationDataset manifest{{"a"}, {{dir / "imgs/q.png", 0}}, dir / "labels.csv"};
  EXPECT_EQ(sample_reference(manifest, 0), "imgs/q.png");
  EXPECT_EQ(path_hint(manifest), "labels.csv");

  // DICOM: nothing of the path survives but a hash.
  data::ClassificationDataset dicom{{"a"}, {{dir / "DOE_JOHN_1234/scan.dcm", 0}}, dir / "DOE_JOHN_1234"};
  const auto reference = sample_reference(dicom, 0);
  EXPECT_EQ(reference.rfind("dicom sample #0 (", 0), 0u) << reference;
  EXPECT_EQ(reference.find("DOE"), std::string::npos);
  EXPECT_EQ(path_hint(dicom).find("DOE"), std::string::npos);

  nlohmann::json report = {{"mistakes", {{{"index", 1}}, {{"index", 7}}}}};
  add_mistake_references(report, images);
  EXPECT_EQ(report["mistakes"][0]["reference"], "b/sub/y.png");
  EXPECT_FALSE(report["mistakes"][1].contains("reference"));  // out of range: left without
}

}  // namespace
}  // namespace tessera::eval
