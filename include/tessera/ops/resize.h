#pragma once
// Bilinear resize, CPU reference. Convention (README, "Preprocessing conventions"):
// half-pixel centres, src = (dst + 0.5) * in / out - 0.5, clamped to [0, in - 1], no antialias:
// the convention of OpenCV INTER_LINEAR and PyTorch align_corners=false.
#include <cstdint>
#include <vector>

#include "tessera/ops/image_view.h"

namespace tessera::ops {

// One output coordinate's two source neighbours along an axis:
// value = (1 - weight) * src[lower] + weight * src[upper].
struct BilinearTap {
  int lower = 0, upper = 0;
  float weight = 0.0f;
};

// The taps for every output index 0..out-1 when mapping `in` samples to `out` (both > 0).
// Shared by resize_bilinear_u8 and preprocess_images_reference so both use one coordinate rule.
std::vector<BilinearTap> bilinear_taps(int in, int out);

// Resizes `in` to out_h x out_w (same channels) into `out` (out_h * out_w * channels bytes, HWC).
// Interpolates in float and rounds to nearest. cv::resize INTER_LINEAR uses 11-bit fixed-point
// weights instead, so the two agree within 1 LSB, not bit for bit.
// Throws std::invalid_argument for a null pointer or non-positive sizes.
void resize_bilinear_u8(const ImageU8View& in, int out_h, int out_w, std::uint8_t* out);

}  // namespace tessera::ops
