// Host side of the CUDA path: per-sample descriptors built in pinned memory, copied
// asynchronously on torch's current stream, then one kernel launch on that same stream (the copy
// and the kernel are ordered by the stream; the caching host allocator keeps the pinned block
// alive until the copy has run). Arguments were validated by batch_preprocess.cpp.
#include "batch_preprocess_cuda.h"

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <cstdint>
#include <cstring>

#include "preprocess_kernels.h"
#include "tessera/ops/detail/kernel_descriptors.h"

namespace tessera::ops::cuda {
namespace {

detail::OutputSpec output_spec(torch::Tensor& out) {
  detail::OutputSpec spec;
  spec.data = out.data_ptr();
  spec.batch = static_cast<int>(out.size(0));
  spec.channels = static_cast<int>(out.size(1));
  spec.out_h = static_cast<int>(out.size(2));
  spec.out_w = static_cast<int>(out.size(3));
  switch (out.scalar_type()) {
    case torch::kBFloat16: spec.type = detail::OutputType::bf16; break;
    case torch::kUInt8: spec.type = detail::OutputType::u8; break;
    default: spec.type = detail::OutputType::f32; break;
  }
  // batch_preprocess.cpp allocates contiguous NCHW or channels_last. A tensor that is both (one
  // channel, or 1x1 planes) puts every element at the same address in either order.
  if (out.is_contiguous()) {
    spec.order = detail::OutputOrder::nchw;
  } else {
    TORCH_INTERNAL_ASSERT(out.is_contiguous(torch::MemoryFormat::ChannelsLast), "output must be NCHW or channels_last");
    spec.order = detail::OutputOrder::nhwc;
  }
  const bool aligned = reinterpret_cast<std::uintptr_t>(spec.data) % 16 == 0;
  spec.vector_stores = aligned && spec.out_w % detail::kGroupPixels == 0 ? 1 : 0;
  return spec;
}

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

}  // namespace

void preprocess_images(const PackedBatch& batch, const ImagePreprocessSpec& spec,
                       const std::vector<SampleParams>& params, torch::Tensor& out) {
  const c10::cuda::CUDAGuard guard(batch.values.device());
  if (batch.sources.empty()) return;
  const torch::Tensor samples = device_descriptors<detail::SampleGeometry>(
      batch.sources.size(), batch.values.device(),
      [&](std::size_t i) { return detail::sample_geometry(batch.sources[i], spec.resize_h, spec.resize_w, params[i]); });

  detail::ImageBatchParams launch;
  launch.out = output_spec(out);
  detail::set_normalisation(launch, spec, batch.channels);
  launch_preprocess_images(batch.values.data_ptr<std::uint8_t>(),
                           reinterpret_cast<const detail::SampleGeometry*>(samples.data_ptr<std::uint8_t>()), launch,
                           c10::cuda::getCurrentCUDAStream(batch.values.device().index()).stream());
}

void preprocess_medical(const PackedBatch& batch, const MedicalPreprocessSpec& spec,
                        const std::vector<MedicalIntensity>& intensities, const std::vector<SampleParams>& params,
                        torch::Tensor& out) {
  const c10::cuda::CUDAGuard guard(batch.values.device());
  if (batch.sources.empty()) return;
  const torch::Tensor samples = device_descriptors<detail::MedicalSample>(
      batch.sources.size(), batch.values.device(),
      [&](std::size_t i) { return detail::medical_sample(batch.sources[i], spec, intensities[i], params[i]); });

  detail::MedicalBatchParams launch;
  launch.out = output_spec(out);
  launch.mean = spec.mean;
  launch.std = spec.std;
  launch_preprocess_medical(reinterpret_cast<const std::uint16_t*>(batch.values.data_ptr<std::int16_t>()),
                            reinterpret_cast<const detail::MedicalSample*>(samples.data_ptr<std::uint8_t>()), launch,
                            c10::cuda::getCurrentCUDAStream(batch.values.device().index()).stream());
}

}  // namespace tessera::ops::cuda
