#include "tessera/data/device_upload.h"

#ifdef TESSERA_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace tessera::data {

#ifdef TESSERA_WITH_CUDA
struct DeviceUploader::CopyStream {
  c10::cuda::CUDAStream stream;
};
#else
struct DeviceUploader::CopyStream {};
#endif

DeviceUploader::DeviceUploader(torch::Device device) : device_(device) {
#ifdef TESSERA_WITH_CUDA
  if (device_.is_cuda()) {
    copy_stream_ = std::make_unique<CopyStream>(CopyStream{c10::cuda::getStreamFromPool(false, device_.index())});
  }
#endif
}

DeviceUploader::~DeviceUploader() = default;

torch::Tensor DeviceUploader::upload(const torch::Tensor& host) {
  if (!device_.is_cuda() || host.device() == device_) return host.to(device_);
#ifdef TESSERA_WITH_CUDA
  const c10::cuda::CUDAGuard device_guard(device_);
  const auto current = c10::cuda::getCurrentCUDAStream(device_.index());
  torch::Tensor on_device;
  {
    // Allocated and written on the copy stream, so the copy never waits for compute queued on
    // the current stream (the block belongs to the copy stream's pool)...
    const c10::cuda::CUDAStreamGuard stream_guard(copy_stream_->stream);
    on_device = host.to(device_, /*non_blocking=*/host.is_pinned());
  }
  // ...then the current stream waits for the copy alone, and the allocator learns the tensor is
  // used on the current stream, so its memory is not handed out again before that use is done.
  at::cuda::CUDAEvent copied;
  copied.record(copy_stream_->stream);
  copied.block(current);
  on_device.record_stream(current);
  return on_device;
#else
  return host.to(device_);
#endif
}

}  // namespace tessera::data
