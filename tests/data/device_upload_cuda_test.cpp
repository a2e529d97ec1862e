// DeviceUploader: copies on a side stream that the current stream waits for.
#include "tessera/data/device_upload.h"

#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace tessera::data {
namespace {

TEST(DeviceUploader, CpuDeviceReturnsTheSameTensor) {
  DeviceUploader uploader(torch::kCPU);
  const auto host = torch::arange(10);
  EXPECT_TRUE(uploader.upload(host).is_same(host));
}

TEST(DeviceUploader, PinnedAndPageableCopiesArriveIntactOnANonDefaultStream) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device: uploads need one";
  DeviceUploader uploader(torch::Device(torch::kCUDA, 0));
  const auto stream = c10::cuda::getStreamFromPool();
  const c10::cuda::CUDAStreamGuard guard(stream);  // the "current stream" of a caller
  for (bool pinned : {true, false}) {
    for (int round = 0; round < 20; ++round) {
      auto host = torch::randint(0, 255, {1 << 20}, torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(pinned));
      const auto device = uploader.upload(host);
      // Used at once on the current stream: it must already hold the data.
      const auto sum = device.to(torch::kInt64).sum();
      EXPECT_EQ(sum.item<std::int64_t>(), host.to(torch::kInt64).sum().item<std::int64_t>()) << "pinned " << pinned;
      EXPECT_TRUE(device.is_cuda());
    }
  }
}

}  // namespace
}  // namespace tessera::data
