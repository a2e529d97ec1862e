// The preprocess_medical kernel's per-thread body (detail/preprocess_medical_kernel.h) run on the host over every
// (sample, row, group of 4 pixels) the kernel's grid covers, against the CPU path of preprocess_medical.
// This is the evidence a machine without a GPU can give: the index maths, taps, padding, flips,
// rescaling, windowing, inversion, conversions and both store paths (vector and scalar, NCHW and NHWC) are the kernel's
// own code. What these replays cannot show is device arithmetic: there the *_rn intrinsics,
// __float2bfloat16_rn and expf stand in for their host twins (preprocess_medical_cuda_test.cpp covers that on a GPU).
#include "tessera/ops/detail/preprocess_medical_kernel.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernel_replay.h"
#include "random_batches.h"
#include "tessera/ops/detail/preprocess_descriptors.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::ops {
namespace {

using testing::EmulatedOutput;
using testing::for_each_thread;

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

TEST(PreprocessMedicalKernel, MatchesTheCpuPathOnRandomBatches) {
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

}  // namespace
}  // namespace tessera::ops
