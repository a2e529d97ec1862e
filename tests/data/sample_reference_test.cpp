// How reports name samples and datasets without leaking patient data: images by their path
// relative to the dataset, DICOM by an opaque reference.
#include "tessera/data/sample_reference.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace tessera::data {
namespace {

TEST(SampleReference, ImagesByRelativePathDicomOpaque) {
  tessera::testing::TempDir dir("ref");
  ClassificationDataset images{
      {"a", "b"}, {{dir / "test/a/x.png", 0}, {dir / "test/b/sub/y.png", 1}, {"/elsewhere/z.png", 1}}, dir / "test"};
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
  ClassificationDataset manifest{{"a"}, {{dir / "imgs/q.png", 0}}, dir / "labels.csv"};
  EXPECT_EQ(sample_reference(manifest, 0), "imgs/q.png");
  EXPECT_EQ(path_hint(manifest), "labels.csv");

  // DICOM: nothing of the path survives but a hash.
  ClassificationDataset dicom{{"a"}, {{dir / "DOE_JOHN_1234/scan.dcm", 0}}, dir / "DOE_JOHN_1234"};
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
}  // namespace tessera::data
