// EncodedSamples (what `tessera serve` decodes from request bodies) against BatchLoader on files
// holding the same bytes: the same float rows bit for bit, the same packed batch, and failures
// named by input position.
#include "tessera/data/encoded_samples.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "tessera/io/image.h"

namespace tessera::data {
namespace {

using tessera::testing::TempDir;
namespace fs = std::filesystem;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// RGB PNGs of different sizes, so the resize and centre crop matter.
ClassificationDataset images(const TempDir& t) {
  ClassificationDataset ds;
  ds.classes = {"a"};
  ds.root = t.path();
  const int sizes[][2] = {{20, 30}, {31, 17}, {24, 24}};
  for (int i = 0; i < 3; ++i) {
    io::Image img{sizes[i][0], sizes[i][1], 3, {}};
    img.pixels.resize(static_cast<std::size_t>(img.height) * img.width * 3);
    for (std::size_t p = 0; p < img.pixels.size(); ++p)
      img.pixels[p] = static_cast<std::uint8_t>((i * 53 + p * 7) % 251);
    const fs::path path = t / ("img" + std::to_string(i) + ".png");
    io::write_png(path, img);
    ds.samples.push_back({path, 0});
  }
  return ds;
}

LoaderOptions evaluation_options(bool packed) {
  LoaderOptions o;
  o.batch_size = 3;
  o.workers = 1;
  o.channels = 3;
  o.preprocess.resize_h = 22;
  o.preprocess.resize_w = 26;
  o.preprocess.out_h = 16;
  o.preprocess.out_w = 18;
  o.preprocess.mean = {0.4f, 0.5f, 0.6f};
  o.preprocess.std = {0.2f, 0.25f, 0.3f};
  o.packed = packed;
  return o;
}

Batch loader_batch(const ClassificationDataset& ds, const LoaderOptions& o) {
  BatchLoader loader(ds, o);
  loader.start_epoch(0);
  auto batch = loader.next();
  EXPECT_TRUE(batch.has_value());
  return std::move(*batch);
}

Batch encoded_batch(const ClassificationDataset& ds, const LoaderOptions& o, std::vector<std::string> extra = {}) {
  const EncodedSamples samples(false, o);
  std::vector<DecodedSample> decoded;
  for (std::size_t i = 0; i < ds.samples.size(); ++i)
    decoded.push_back(samples.decode(read_bytes(ds.samples[i].path), i));
  for (const auto& bytes : extra) decoded.push_back(samples.decode(bytes, decoded.size()));
  std::vector<const DecodedSample*> pointers;
  for (const auto& d : decoded) pointers.push_back(&d);
  return samples.assemble(pointers, false);
}

TEST(EncodedSamples, FloatRowsEqualTheLoadersForTheSameBytes) {
  TempDir t;
  const ClassificationDataset ds = images(t);
  const Batch expected = loader_batch(ds, evaluation_options(false));
  const Batch got = encoded_batch(ds, evaluation_options(false));
  ASSERT_EQ(got.size(), 3);
  EXPECT_TRUE(torch::equal(got.images, expected.images));
}

TEST(EncodedSamples, PackedBatchEqualsTheLoadersForTheSameBytes) {
  TempDir t;
  const ClassificationDataset ds = images(t);
  const Batch expected = loader_batch(ds, evaluation_options(true));
  const Batch got = encoded_batch(ds, evaluation_options(true));
  ASSERT_EQ(got.size(), 3);
  EXPECT_TRUE(torch::equal(got.packed.values, expected.packed.values));
  ASSERT_EQ(got.params.size(), expected.params.size());
  for (std::size_t i = 0; i < got.params.size(); ++i) {
    EXPECT_EQ(got.params[i].crop_y, expected.params[i].crop_y);
    EXPECT_EQ(got.params[i].crop_x, expected.params[i].crop_x);
    EXPECT_EQ(got.params[i].flip, expected.params[i].flip);
  }
}

TEST(EncodedSamples, BytesThatDoNotDecodeAreFailuresNamedByPosition) {
  TempDir t;
  const ClassificationDataset ds = images(t);
  const Batch got = encoded_batch(ds, evaluation_options(false), {"not an image", ""});
  EXPECT_EQ(got.size(), 3);
  ASSERT_EQ(got.failures.size(), 2u);
  EXPECT_EQ(got.failures[0].path, "input #3");
  EXPECT_EQ(got.failures[0].index, 3u);
  EXPECT_NE(got.failures[0].reason.find("input #3"), std::string::npos) << got.failures[0].reason;
  EXPECT_EQ(got.indices, (std::vector<std::size_t>{0, 1, 2}));
}

}  // namespace
}  // namespace tessera::data
