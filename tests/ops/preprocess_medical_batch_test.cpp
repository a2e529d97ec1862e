// preprocess_medical on CPU tensors: the per-sample reference packed into one tensor, converted
// to the requested dtype and layout, and every validation error.
#include "tessera/ops/preprocess_medical.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "random_batches.h"

namespace tessera::ops {
namespace {

using testing::expect_invalid;

using testing::MedicalCase;

MedicalCase medical_case(std::uint32_t seed, torch::ScalarType dtype = torch::kFloat32, Layout layout = Layout::nchw) {
  MedicalCase k = testing::random_medical_case(seed);
  k.format = {dtype, layout};
  return k;
}

torch::Tensor run(const MedicalCase& k) {
  return preprocess_medical(k.batch, k.spec, k.intensities, k.params, k.format);
}

TEST(PreprocessMedicalBatch, EqualsThePerSampleReferenceExactly) {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    const MedicalCase k = medical_case(seed);
    const torch::Tensor out = run(k);
    ASSERT_EQ(out.size(1), k.spec.out_channels);
    for (std::size_t i = 0; i < k.batch.sources.size(); ++i) {
      const PackedSource& s = k.batch.sources[i];
      torch::Tensor expected = torch::empty({k.spec.out_channels, k.spec.out_h, k.spec.out_w});
      preprocess_medical_reference(
          reinterpret_cast<const std::uint16_t*>(k.batch.values.data_ptr<std::int16_t>()) + s.offset, s.height, s.width,
          k.spec, k.intensities[i], k.params[i], expected.data_ptr<float>());
      EXPECT_TRUE(torch::equal(out[static_cast<std::int64_t>(i)], expected)) << "seed " << seed << " sample " << i;
    }
  }
}

TEST(PreprocessMedicalBatch, NhwcHasChannelsLastStridesAndTheSameValues) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
      const torch::Tensor nchw = run(medical_case(seed, dtype, Layout::nchw));
      const torch::Tensor nhwc = run(medical_case(seed, dtype, Layout::nhwc));
      EXPECT_TRUE(nhwc.is_contiguous(torch::MemoryFormat::ChannelsLast));
      EXPECT_TRUE(torch::equal(nhwc, nchw)) << "seed " << seed;
    }
  }
}

TEST(PreprocessMedicalBatch, Bf16IsTheFloatResultRoundedToNearestEven) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const torch::Tensor medical = run(medical_case(seed, torch::kBFloat16, Layout::nhwc));
    EXPECT_TRUE(torch::equal(medical, run(medical_case(seed)).to(torch::kBFloat16))) << "seed " << seed;
  }
}

TEST(PreprocessMedicalBatch, U8IsRound255TimesTheWindowedValue) {
  // 1x4 source, LINEAR_EXACT c = 100, w = 200: y = x / 200 on [0, 200]; no normalisation.
  MedicalCase k;
  k.batch.values = torch::tensor({0, 1, 51, 200, 7}, torch::kInt16);  // the 7 is another source's byte
  k.batch.sources = {PackedSource{0, 1, 4}};
  k.spec = MedicalPreprocessSpec{0, 0, 1, 5, /*mean=*/0.9f, /*std=*/0.1f, 3};  // mean/std ignored
  MedicalIntensity m;
  m.function = VoiFunction::linear_exact;
  m.window_center = 100.0f;
  m.window_width = 200.0f;
  k.intensities = {m};
  k.params = {SampleParams{0, 0, false}};  // column 4 is padding
  k.format = {torch::kUInt8, Layout::nchw};
  const torch::Tensor plane = torch::tensor({0, 1, 65, 255, 0}, torch::kUInt8);  // 255 * {0, .005, .255, 1}
  const torch::Tensor out = run(k);
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(torch::equal(out[0][c][0], plane)) << out;
  k.intensities[0].invert = true;  // 1 - y; the padding stays 0
  EXPECT_TRUE(torch::equal(run(k)[0][1][0], torch::tensor({255, 254, 190, 0, 0}, torch::kUInt8))) << run(k);
}

// ---- Validation -------------------------------------------------------------------------------

TEST(PreprocessMedicalBatch, RejectsInconsistentInput) {
  const MedicalCase good = medical_case(2);
  ASSERT_NO_THROW(run(good));
  auto with = [&](auto change) {
    MedicalCase k = good;
    change(k);
    return [k] { return run(k); };
  };
  expect_invalid(with([](MedicalCase& k) { k.params.push_back({}); }), "one SampleParams per source");
  expect_invalid(with([](MedicalCase& k) { k.intensities.pop_back(); }), "one MedicalIntensity per source");
  expect_invalid(with([](MedicalCase& k) { k.batch.values = k.batch.values.to(torch::kUInt8); }), "must be Short");
  expect_invalid(with([](MedicalCase& k) { k.batch.channels = 3; }), "one channel");
  expect_invalid(with([](MedicalCase& k) { k.batch.sources[0].offset = k.batch.values.numel() + 1; }),
                 "outside the packed buffer");
  expect_invalid(with([](MedicalCase& k) { k.batch.sources.back().width += 1000; }), "runs past the end");
  expect_invalid(with([](MedicalCase& k) { k.spec.out_h = -3; }), "output size");
  expect_invalid(with([](MedicalCase& k) { k.spec.out_channels = 2; }), "out_channels must be 1 or 3");
  expect_invalid(with([](MedicalCase& k) { k.spec.std = -1.0f; }), "std must be positive");
  expect_invalid(with([](MedicalCase& k) { k.intensities.back().bits_stored = 17; }), "bits_stored");
  expect_invalid(with([](MedicalCase& k) {
                   k.intensities[0].function = VoiFunction::linear;
                   k.intensities[0].window_width = 0.5f;
                 }),
                 "preprocess_medical: sample 0: the LINEAR VOI function needs window width >= 1");
  expect_invalid(with([](MedicalCase& k) { k.format.dtype = torch::kInt32; }), "output dtype");
  // u8 output ignores mean/std, so a std of 0 is no error there.
  MedicalCase u8 = good;
  u8.format.dtype = torch::kUInt8;
  u8.spec.std = 0.0f;
  EXPECT_NO_THROW(run(u8));
}

}  // namespace
}  // namespace tessera::ops
