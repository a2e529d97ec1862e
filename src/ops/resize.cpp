#include "tessera/ops/resize.h"

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace tessera::ops {
namespace {

// Interpolates one source row along x for every output column. Templated on the channel count
// so the common 1- and 3-channel cases get a fixed inner loop (kChannels == 0: any count).
template <int kChannels>
void resample_row(const std::uint8_t* src, const std::vector<BilinearTap>& x_taps, int runtime_channels,
                  float* dst) {
  const int channels = kChannels > 0 ? kChannels : runtime_channels;
  for (std::size_t x = 0; x < x_taps.size(); ++x) {
    const BilinearTap& tap = x_taps[x];
    const std::uint8_t* left = src + static_cast<std::size_t>(tap.lower) * channels;
    const std::uint8_t* right = src + static_cast<std::size_t>(tap.upper) * channels;
    const float w = tap.weight;
    float* out = dst + x * channels;
    for (int c = 0; c < channels; ++c) out[c] = (1.0f - w) * left[c] + w * right[c];
  }
}

}  // namespace

std::vector<BilinearTap> bilinear_taps(int in, int out) {
  if (in <= 0 || out <= 0) {
    throw std::invalid_argument("bilinear_taps: sizes must be positive, got in=" + std::to_string(in) +
                                " out=" + std::to_string(out));
  }
  std::vector<BilinearTap> taps(static_cast<std::size_t>(out));
  const double scale = static_cast<double>(in) / out;
  for (int dst = 0; dst < out; ++dst) {
    const double src = (dst + 0.5) * scale - 0.5;
    BilinearTap& tap = taps[static_cast<std::size_t>(dst)];
    if (src <= 0.0) continue;  // clamped to the first sample: lower = upper = 0, weight 0
    const int lower = static_cast<int>(std::floor(src));
    if (lower >= in - 1) {
      tap.lower = tap.upper = in - 1;  // clamped to the last sample
    } else {
      tap.lower = lower;
      tap.upper = lower + 1;
      tap.weight = static_cast<float>(src - lower);
    }
  }
  return taps;
}

void resize_bilinear_u8(const ImageU8View& in, int out_h, int out_w, std::uint8_t* out) {
  if (in.data == nullptr || out == nullptr) throw std::invalid_argument("resize_bilinear_u8: null pointer");
  if (in.height <= 0 || in.width <= 0 || in.channels <= 0 || out_h <= 0 || out_w <= 0) {
    throw std::invalid_argument("resize_bilinear_u8: sizes must be positive, got input " +
                                std::to_string(in.height) + "x" + std::to_string(in.width) + "x" +
                                std::to_string(in.channels) + ", output " + std::to_string(out_h) + "x" +
                                std::to_string(out_w));
  }
  const std::vector<BilinearTap> x_taps = bilinear_taps(in.width, out_w);
  const std::vector<BilinearTap> y_taps = bilinear_taps(in.height, out_h);
  const int channels = in.channels;
  const std::size_t src_row = static_cast<std::size_t>(in.width) * channels;
  const std::size_t dst_row = static_cast<std::size_t>(out_w) * channels;

  // Separable: each source row is resampled along x once and kept while consecutive output rows
  // still need it (upscaling reuses the same pair of rows many times).
  std::vector<float> buffers[2] = {std::vector<float>(dst_row), std::vector<float>(dst_row)};
  int cached_row[2] = {-1, -1};
  auto resampled = [&](int sy, int keep) -> const float* {
    for (int k = 0; k < 2; ++k) {
      if (cached_row[k] == sy) return buffers[k].data();
    }
    const int k = cached_row[0] == keep ? 1 : 0;
    const std::uint8_t* src = in.data + static_cast<std::size_t>(sy) * src_row;
    switch (channels) {
      case 1: resample_row<1>(src, x_taps, channels, buffers[k].data()); break;
      case 3: resample_row<3>(src, x_taps, channels, buffers[k].data()); break;
      default: resample_row<0>(src, x_taps, channels, buffers[k].data()); break;
    }
    cached_row[k] = sy;
    return buffers[k].data();
  };

  for (int y = 0; y < out_h; ++y) {
    const BilinearTap& tap = y_taps[static_cast<std::size_t>(y)];
    const float* top = resampled(tap.lower, tap.upper);
    const float* bottom = tap.weight == 0.0f ? top : resampled(tap.upper, tap.lower);
    const float w = tap.weight;
    std::uint8_t* dst = out + static_cast<std::size_t>(y) * dst_row;
    for (std::size_t i = 0; i < dst_row; ++i) {
      // A convex combination of u8 values lies in [0, 255], so +0.5 and truncation round to nearest.
      dst[i] = static_cast<std::uint8_t>((1.0f - w) * top[i] + w * bottom[i] + 0.5f);
    }
  }
}

}  // namespace tessera::ops
