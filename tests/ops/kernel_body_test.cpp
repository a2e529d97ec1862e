// The CUDA kernels' per-thread bodies (detail/preprocess_kernel_body.h) run on the host over
// every (sample, row, group of 4 pixels) the kernels' grid covers, against the CPU path of
// preprocess_images / preprocess_medical. This is the evidence a machine without a GPU can give:
// the index maths, taps, padding, flips, windowing, conversions and both store paths (vector and
// scalar, NCHW and NHWC) are the kernel's own code. What it cannot show is device arithmetic:
// there the *_rn intrinsics, __float2bfloat16_rn and expf stand in for their host twins
// (batch_preprocess_cuda_test.cpp covers that on a GPU).
#include "tessera/ops/detail/preprocess_kernel_body.h"

#include <gtest/gtest.h>

#include <cstring>
#include <iostream>
#include <limits>
#include <vector>

#include "random_batches.h"
#include "tessera/ops/batch_preprocess.h"
#include "tessera/ops/detail/kernel_descriptors.h"
#include "tessera/ops/resize.h"

namespace tessera::ops {
namespace {

using detail::kGroupPixels;

constexpr std::size_t kGuardBytes = 64;

// The output of one emulated launch, in a buffer with guard bytes on both sides.
class EmulatedOutput {
 public:
  EmulatedOutput(const torch::Tensor& like, std::uint8_t fill)
      : like_(like), bytes_(static_cast<std::size_t>(like.numel()) * like.element_size()),
        buffer_(bytes_ + 2 * kGuardBytes + 16, fill) {
    // 16-byte aligned like a torch CUDA allocation, so the vector-store branch is taken as there.
    const auto address = reinterpret_cast<std::uintptr_t>(buffer_.data() + kGuardBytes);
    data_ = buffer_.data() + kGuardBytes + (16 - address % 16) % 16;
  }

  detail::OutputSpec spec(Layout layout, bool allow_vector_stores) const {
    detail::OutputSpec out;
    out.data = data_;
    out.batch = static_cast<int>(like_.size(0));
    out.channels = static_cast<int>(like_.size(1));
    out.out_h = static_cast<int>(like_.size(2));
    out.out_w = static_cast<int>(like_.size(3));
    out.type = like_.scalar_type() == torch::kFloat32    ? detail::OutputType::f32
               : like_.scalar_type() == torch::kBFloat16 ? detail::OutputType::bf16
                                                          : detail::OutputType::u8;
    out.order = layout == Layout::nhwc ? detail::OutputOrder::nhwc : detail::OutputOrder::nchw;
    out.vector_stores = allow_vector_stores && out.out_w % kGroupPixels == 0 ? 1 : 0;
    return out;
  }

  // No byte outside the tensor was written.
  bool guards_intact(std::uint8_t fill) const {
    for (const std::uint8_t* p = buffer_.data(); p < data_; ++p) {
      if (*p != fill) return false;
    }
    for (const std::uint8_t* p = data_ + bytes_; p < buffer_.data() + buffer_.size(); ++p) {
      if (*p != fill) return false;
    }
    return true;
  }

  // A copy with the strides of `like` (contiguous or channels_last).
  torch::Tensor tensor() const {
    return torch::from_blob(const_cast<std::uint8_t*>(data_), like_.sizes(), like_.strides(), like_.options()).clone();
  }

 private:
  torch::Tensor like_;
  std::size_t bytes_;
  std::vector<std::uint8_t> buffer_;
  std::uint8_t* data_ = nullptr;
};

// Every (sample, row, group) of the grid; `body` is one thread.
template <class Body>
void for_each_thread(const detail::OutputSpec& out, Body body) {
  const int groups = (out.out_w + kGroupPixels - 1) / kGroupPixels;
  for (int sample = 0; sample < out.batch; ++sample) {
    for (int row = 0; row < out.out_h; ++row) {
      for (int group = 0; group < groups; ++group) body(sample, row, group);
    }
  }
}

// Runs the image body twice (output pre-filled with 0x00 and with 0xFF): equal results mean
// every element was written; intact guards mean nothing else was.
torch::Tensor emulate_images(const testing::ImageCase& k, const torch::Tensor& like, bool allow_vector_stores = true) {
  std::vector<detail::SampleGeometry> samples;
  for (std::size_t i = 0; i < k.batch.sources.size(); ++i) {
    samples.push_back(detail::sample_geometry(k.batch.sources[i], k.spec.resize_h, k.spec.resize_w, k.params[i]));
  }
  torch::Tensor results[2];
  for (int pass = 0; pass < 2; ++pass) {
    const std::uint8_t fill = pass == 0 ? 0x00 : 0xFF;
    EmulatedOutput output(like, fill);
    detail::ImageBatchParams params;
    params.out = output.spec(k.format.layout, allow_vector_stores);
    detail::set_normalisation(params, k.spec, k.batch.channels);
    const std::uint8_t* values = k.batch.values.data_ptr<std::uint8_t>();
    for_each_thread(params.out, [&](int sample, int row, int group) {
      if (k.batch.channels == 3) {
        detail::image_group<3>(values, samples.data(), params, sample, row, group);
      } else {
        detail::image_group<1>(values, samples.data(), params, sample, row, group);
      }
    });
    EXPECT_TRUE(output.guards_intact(fill)) << "a thread wrote outside the output";
    results[pass] = output.tensor();
  }
  EXPECT_TRUE(torch::equal(results[0], results[1])) << "some output elements were never written";
  return results[0];
}

torch::Tensor emulate_medical(const testing::MedicalCase& k, const torch::Tensor& like) {
  std::vector<detail::MedicalSample> samples;
  for (std::size_t i = 0; i < k.batch.sources.size(); ++i) {
    samples.push_back(detail::medical_sample(k.batch.sources[i], k.spec, k.intensities[i], k.params[i]));
  }
  torch::Tensor results[2];
  for (int pass = 0; pass < 2; ++pass) {
    const std::uint8_t fill = pass == 0 ? 0x00 : 0xFF;
    EmulatedOutput output(like, fill);
    detail::MedicalBatchParams params;
    params.out = output.spec(k.format.layout, true);
    params.mean = k.spec.mean;
    params.std = k.spec.std;
    const auto* values = reinterpret_cast<const std::uint16_t*>(k.batch.values.data_ptr<std::int16_t>());
    for_each_thread(params.out, [&](int sample, int row, int group) {
      if (k.spec.out_channels == 3) {
        detail::medical_group<3>(values, samples.data(), params, sample, row, group);
      } else {
        detail::medical_group<1>(values, samples.data(), params, sample, row, group);
      }
    });
    EXPECT_TRUE(output.guards_intact(fill)) << "a thread wrote outside the output";
    results[pass] = output.tensor();
  }
  EXPECT_TRUE(torch::equal(results[0], results[1])) << "some output elements were never written";
  return results[0];
}

TEST(KernelBody, ImagesMatchTheCpuPathOnRandomBatches) {
  testing::Worst worst("kernel body vs CPU path");
  for (std::uint32_t seed = 1; seed <= 400; ++seed) {
    const testing::ImageCase k = testing::random_image_case(seed);
    const torch::Tensor expected = preprocess_images(k.batch, k.spec, k.params, k.format);
    const torch::Tensor expected_float =
        preprocess_images(k.batch, k.spec, k.params, OutputFormat{torch::kFloat32, k.format.layout});
    const torch::Tensor got = emulate_images(k, expected);
    const testing::Diff d = testing::compare(got, expected, expected_float);
    EXPECT_LE(d.worst, testing::tolerance(k.format.dtype)) << "seed " << seed << ": " << testing::describe(k);
    worst.add(k.format.dtype, d, got.numel());
  }
  worst.print("images, 400 batches");
}

TEST(KernelBody, MedicalMatchesTheCpuPathOnRandomBatches) {
  testing::Worst worst("kernel body vs CPU path");
  for (std::uint32_t seed = 1; seed <= 400; ++seed) {
    const testing::MedicalCase k = testing::random_medical_case(seed);
    const torch::Tensor expected = preprocess_medical(k.batch, k.spec, k.intensities, k.params, k.format);
    const torch::Tensor expected_float =
        preprocess_medical(k.batch, k.spec, k.intensities, k.params, OutputFormat{torch::kFloat32, k.format.layout});
    const torch::Tensor got = emulate_medical(k, expected);
    const testing::Diff d = testing::compare(got, expected, expected_float);
    EXPECT_LE(d.worst, testing::tolerance(k.format.dtype)) << "seed " << seed << ": " << testing::describe(k);
    worst.add(k.format.dtype, d, got.numel());
  }
  worst.print("medical, 400 batches");
}

TEST(KernelBody, OneByOneSourceAndOutputInEveryFormat) {
  testing::ImageCase k;
  k.batch.channels = 3;
  k.batch.values = torch::tensor({10, 200, 37}, torch::kUInt8);
  k.batch.sources = {PackedSource{0, 1, 1}};
  k.spec = ImagePreprocessSpec{0, 0, 1, 1, {0.5f, 0.5f, 0.5f}, {0.25f, 0.5f, 1.0f}};
  for (const SampleParams params : {SampleParams{0, 0, false}, SampleParams{0, 0, true}, SampleParams{1, 0, false}}) {
    k.params = {params};
    for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
      for (Layout layout : {Layout::nchw, Layout::nhwc}) {
        k.format = {dtype, layout};
        const torch::Tensor expected = preprocess_images(k.batch, k.spec, k.params, k.format);
        EXPECT_TRUE(torch::equal(emulate_images(k, expected), expected))
            << testing::describe(k) << " crop_y " << params.crop_y;
      }
    }
  }
}

TEST(KernelBody, BilinearTapEqualsBilinearTapsBitForBit) {
  auto check = [](int in, int out) {
    const std::vector<BilinearTap> taps = bilinear_taps(in, out);
    for (int dst = 0; dst < out; ++dst) {
      const detail::Tap t = detail::bilinear_tap(dst, in, out);
      const BilinearTap& r = taps[static_cast<std::size_t>(dst)];
      if (t.lower != r.lower || t.upper != r.upper || std::memcmp(&t.weight, &r.weight, sizeof(float)) != 0) {
        ADD_FAILURE() << in << " -> " << out << " at " << dst << ": (" << t.lower << ", " << t.upper << ", "
                      << t.weight << ") vs (" << r.lower << ", " << r.upper << ", " << r.weight << ")";
        return;
      }
    }
  };
  for (int in = 1; in <= 96; ++in) {
    for (int out = 1; out <= 96; ++out) check(in, out);
  }
  for (auto [in, out] : {std::pair{4032, 224}, {224, 4032}, {1, 1000}, {1000, 1}, {1080, 256}, {3001, 2999}}) {
    check(in, out);
  }
}

TEST(KernelBody, Bf16ConversionIsTorchsRoundToNearestEven) {
  const float ties_and_specials[] = {
      0.0f, -0.0f, 1.0f, -1.0f,
      1.0f + 0x1.0p-8f,          // halfway between 1 and the next bf16: stays at the even 1.0
      1.0f + 3 * 0x1.0p-8f,      // halfway above an odd mantissa: rounds up
      1.0f + 0x1.0p-8f + 0x1.0p-20f,  // just above halfway: rounds up
      3.14159265f, -2.71828f, 1e-30f, 1e30f, 0x1.0p-130f,  // a subnormal
      std::numeric_limits<float>::max(),                    // rounds to infinity, as torch does
      std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
      std::numeric_limits<float>::quiet_NaN()};
  for (float v : ties_and_specials) {
    EXPECT_EQ(detail::bf16_bits(v), c10::BFloat16(v).x) << v;
  }
  std::mt19937 rng(11);
  for (int i = 0; i < 100000; ++i) {
    const std::uint32_t bits = rng();
    float v;
    std::memcpy(&v, &bits, sizeof v);
    ASSERT_EQ(detail::bf16_bits(v), c10::BFloat16(v).x) << std::hex << bits;
  }
}

TEST(KernelBody, VectorAndScalarStorePathsWriteTheSameValues) {
  // out_w a multiple of 4, so full groups may use the vector branch; with it forbidden every
  // group takes the scalar branch. Both must give the CPU path's values, 1 and 3 channels.
  for (int channels : {1, 3}) {
    std::uint32_t seed = 1;
    while (testing::random_image_case(seed).batch.channels != channels) ++seed;
    testing::ImageCase k = testing::random_image_case(seed);
    k.spec.out_w = 16;
    for (Layout layout : {Layout::nchw, Layout::nhwc}) {
      for (torch::ScalarType dtype : {torch::kFloat32, torch::kBFloat16, torch::kUInt8}) {
        k.format = {dtype, layout};
        const torch::Tensor expected = preprocess_images(k.batch, k.spec, k.params, k.format);
        EXPECT_TRUE(torch::equal(emulate_images(k, expected, true), expected)) << testing::describe(k);
        EXPECT_TRUE(torch::equal(emulate_images(k, expected, false), expected)) << testing::describe(k);
      }
    }
  }
}

}  // namespace
}  // namespace tessera::ops
