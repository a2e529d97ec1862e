#pragma once
// A borrowed 8-bit image: the CPU references and the CUDA launchers take this instead of a
// container, so decoded buffers, pinned staging memory and tensors can all be passed without copies.
#include <cstdint>

namespace tessera::ops {

// HWC, rows packed: pixel (y, x) channel c is data[(y * width + x) * channels + c].
struct ImageU8View {
  const std::uint8_t* data = nullptr;
  int height = 0, width = 0, channels = 0;
};

}  // namespace tessera::ops
