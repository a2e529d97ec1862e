#pragma once
// Replays a preprocessing kernel's grid on the host (preprocess_images_kernel_test.cpp,
// preprocess_medical_kernel_test.cpp): the output buffer one emulated launch writes, with guard
// bytes on both sides, and the loop over every thread of the grid.
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tessera/ops/detail/preprocess_kernel_common.h"
#include "tessera/ops/packed_batch.h"

namespace tessera::ops::testing {

using detail::kGroupPixels;

inline constexpr std::size_t kGuardBytes = 64;

// The output of one emulated launch, in a buffer with guard bytes on both sides.
class EmulatedOutput {
 public:
  EmulatedOutput(const torch::Tensor& like, std::uint8_t fill)
      : like_(like),
        bytes_(static_cast<std::size_t>(like.numel()) * like.element_size()),
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

}  // namespace tessera::ops::testing
