#pragma once
// Internal: the CUDA host side of the batched operators, built only with TESSERA_WITH_CUDA.
// preprocess_images.cpp / preprocess_medical.cpp validate the arguments and allocate `out` on the
// device of batch.values with the requested dtype and layout; cuda::preprocess_images
// (preprocess_images_cuda.cpp) and cuda::preprocess_medical (preprocess_medical_cuda.cpp) fill it
// with one kernel launch on torch's current stream, using the helpers below.
#include <torch/types.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tessera/ops/detail/preprocess_kernel_common.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::ops::cuda {

void preprocess_images(const PackedBatch& batch, const ImagePreprocessSpec& spec,
                       const std::vector<SampleParams>& params, torch::Tensor& out);

void preprocess_medical(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                        const std::vector<MedicalIntensity>& intensities, const std::vector<SampleParams>& params,
                        torch::Tensor& out);

// The kernels' view of `out` (a contiguous NCHW or channels_last tensor from allocate_output).
detail::OutputSpec output_spec(torch::Tensor& out);

// The descriptors as a device array: filled in pinned memory, copied with non_blocking on the
// current stream of `device` (the stream the kernel is then launched on).
template <class Descriptor, class Fill>
torch::Tensor device_descriptors(std::size_t count, const torch::Device& device, Fill fill) {
  torch::Tensor host = torch::empty({static_cast<std::int64_t>(count * sizeof(Descriptor))},
                                    torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(true));
  auto* descriptors = reinterpret_cast<Descriptor*>(host.data_ptr<std::uint8_t>());
  for (std::size_t i = 0; i < count; ++i) {
    const Descriptor d = fill(i);
    std::memcpy(descriptors + i, &d, sizeof d);  // pinned bytes hold no objects yet
  }
  return host.to(device, torch::kUInt8, /*non_blocking=*/true);
}

}  // namespace tessera::ops::cuda
