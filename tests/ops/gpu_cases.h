#pragma once
// Running a random case (random_batches.h) on the GPU and checking it against the CPU path:
// shared by preprocess_images_cuda_test.cpp and preprocess_medical_cuda_test.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "random_batches.h"
#include "tessera/ops/preprocess_images.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::ops::testing {

inline constexpr const char* kNoGpu = "no CUDA device: these tests launch the fused preprocessing kernels";

inline ImageCase on_gpu(ImageCase k) {
  k.batch.values = k.batch.values.to(torch::kCUDA);
  return k;
}
inline MedicalCase on_gpu(MedicalCase k) {
  k.batch.values = k.batch.values.to(torch::kCUDA);
  return k;
}

inline torch::Tensor run(const ImageCase& k, OutputFormat format) {
  return preprocess_images(k.batch, k.spec, k.params, format);
}
inline torch::Tensor run(const MedicalCase& k, OutputFormat format) {
  return preprocess_medical(k.batch, k.spec, k.intensities, k.params, format);
}

// The GPU result's dtype, shape, layout and device, then its values against the CPU path.
template <class Case>
Diff check_against_cpu(const Case& cpu_case, const torch::Tensor& gpu_out) {
  const torch::Tensor expected = run(cpu_case, cpu_case.format);
  const torch::Tensor expected_float = run(cpu_case, OutputFormat{torch::kFloat32, cpu_case.format.layout});
  EXPECT_TRUE(gpu_out.is_cuda());
  EXPECT_EQ(gpu_out.scalar_type(), cpu_case.format.dtype);
  EXPECT_EQ(gpu_out.sizes(), expected.sizes());
  if (cpu_case.format.layout == Layout::nhwc) {
    EXPECT_TRUE(gpu_out.is_contiguous(torch::MemoryFormat::ChannelsLast));
  } else {
    EXPECT_TRUE(gpu_out.is_contiguous());
  }
  return testing::compare(gpu_out, expected, expected_float);
}

}  // namespace tessera::ops::testing
