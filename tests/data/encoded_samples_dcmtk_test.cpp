// DICOM request bodies: EncodedSamples on a file's bytes gives the loader's float rows for that
// file (pydicom's test files: CT with rescale, MR, RLE and JPEG-LS compressed).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "support/pydicom_files.h"
#include "tessera/data/encoded_samples.h"

namespace tessera::data {
namespace {

namespace fs = std::filesystem;

TEST(EncodedSamplesDicom, FloatRowsEqualTheLoadersForTheSameFile) {
  const fs::path dir = tessera::testing::kPydicomTestFiles;
  if (!fs::exists(dir / "CT_small.dcm")) GTEST_SKIP() << "pydicom's test files are not at " << dir;
  for (const char* name : {"CT_small.dcm", "MR_small.dcm", "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm"}) {
    ClassificationDataset ds;
    ds.classes = {"a"};
    ds.root = dir;
    ds.samples.push_back({dir / name, 0});
    LoaderOptions o;
    o.batch_size = 1;
    o.workers = 0;
    o.channels = 1;
    o.preprocess.resize_h = 40;
    o.preprocess.resize_w = 40;
    o.preprocess.out_h = 32;
    o.preprocess.out_w = 32;
    o.preprocess.mean = {0.5f};
    o.preprocess.std = {0.25f};
    BatchLoader loader(ds, o);
    loader.start_epoch(0);
    const auto expected = loader.next();
    ASSERT_TRUE(expected.has_value());
    ASSERT_EQ(expected->size(), 1) << name;

    std::ifstream in(dir / name, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const EncodedSamples samples(true, o);
    const DecodedSample decoded = samples.decode(bytes, 0);
    ASSERT_TRUE(decoded.failure.empty()) << name << ": " << decoded.failure;
    const Batch got = samples.assemble({&decoded}, false);
    ASSERT_EQ(got.size(), 1) << name;
    EXPECT_TRUE(torch::equal(got.images, expected->images)) << name;
  }
}

TEST(EncodedSamplesDicom, ATruncatedFileIsAFailureThatNamesNoPath) {
  const fs::path dir = tessera::testing::kPydicomTestFiles;
  if (!fs::exists(dir / "CT_small.dcm")) GTEST_SKIP() << "pydicom's test files are not at " << dir;
  std::ifstream in(dir / "CT_small.dcm", std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  bytes.resize(bytes.size() / 2);
  LoaderOptions o;
  o.preprocess.mean = {0.5f};
  o.preprocess.std = {0.25f};
  const EncodedSamples samples(true, o);
  const DecodedSample decoded = samples.decode(bytes, 7);
  EXPECT_FALSE(decoded.failure.empty());
  EXPECT_EQ(decoded.failure.find(dir.string()), std::string::npos) << decoded.failure;
  EXPECT_EQ(samples.decode("", 0).failure.empty(), false);
}

}  // namespace
}  // namespace tessera::data
