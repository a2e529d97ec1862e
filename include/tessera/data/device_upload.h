#pragma once
// Host-to-device copies that overlap with compute: on CUDA each upload runs on a side stream
// of its own (reading pinned host memory asynchronously), and the current stream waits for it
// only where the data is first used, so the copy of batch k+1 runs while batch k trains.
#include <torch/types.h>

#include <memory>

namespace tessera::data {

class DeviceUploader {
 public:
  explicit DeviceUploader(torch::Device device);
  ~DeviceUploader();
  DeviceUploader(const DeviceUploader&) = delete;
  DeviceUploader& operator=(const DeviceUploader&) = delete;

  // `host` on the device, safe to use on the current stream. On the CPU it is returned as is.
  // Non-pinned host memory still works; the copy is then synchronous.
  torch::Tensor upload(const torch::Tensor& host);
  const torch::Device& device() const { return device_; }

 private:
  struct CopyStream;
  torch::Device device_;
  std::unique_ptr<CopyStream> copy_stream_;  // CUDA only
};

}  // namespace tessera::data
