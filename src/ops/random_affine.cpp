#include "tessera/ops/random_affine.h"

#include <torch/nn/functional/vision.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "tessera/core/random.h"

namespace tessera::ops {

AffineParams random_affine(const AffineJitter& jitter, std::uint64_t sample_seed) {
  if (!(jitter.max_degrees >= 0.0 && jitter.max_degrees <= 180.0)) {
    throw std::invalid_argument("random_affine: rotation must be in [0, 180] degrees, got " +
                                std::to_string(jitter.max_degrees));
  }
  if (!(jitter.max_scale >= 0.0 && jitter.max_scale < 1.0)) {
    throw std::invalid_argument("random_affine: scale jitter must be in [0, 1), got " + std::to_string(jitter.max_scale));
  }
  SplitMix64 rng{sample_seed ^ 0x616666696E65ull};  // "affine": a stream apart from the crop's
  AffineParams params;
  params.radians = (2.0 * rng.unit() - 1.0) * jitter.max_degrees * std::numbers::pi / 180.0;
  params.scale = 1.0 + (2.0 * rng.unit() - 1.0) * jitter.max_scale;
  return params;
}

torch::Tensor apply_affine(const torch::Tensor& batch, const std::vector<AffineParams>& params,
                           const std::vector<float>& fill) {
  if (batch.dim() != 4) throw std::invalid_argument("apply_affine: the batch must be [B, C, H, W]");
  const auto count = batch.size(0), channels = batch.size(1);
  if (static_cast<std::int64_t>(params.size()) != count) {
    throw std::invalid_argument("apply_affine: " + std::to_string(params.size()) + " params for a batch of " +
                                std::to_string(count));
  }
  if (static_cast<std::int64_t>(fill.size()) != channels) {
    throw std::invalid_argument("apply_affine: " + std::to_string(fill.size()) + " fill values for " +
                                std::to_string(channels) + " channels");
  }
  if (count == 0) return batch;
  // affine_grid maps each output pixel, in [-1, 1] coordinates about the centre, to where it
  // samples the input: the inverse of the warp, so rotate back and divide by the scale. With
  // (x, y) and y down, a positive angle turns the content counter-clockwise as displayed, as
  // cv::getRotationMatrix2D does (random_affine_opencv_test.cpp). The aspect factors keep a
  // rotation a rotation in pixels when the image is not square.
  const double aspect = static_cast<double>(batch.size(3)) / static_cast<double>(batch.size(2));  // W / H
  std::vector<float> theta;
  theta.reserve(static_cast<std::size_t>(count) * 6);
  for (const auto& p : params) {
    const double c = std::cos(p.radians) / p.scale, s = std::sin(p.radians) / p.scale;
    theta.insert(theta.end(), {static_cast<float>(c), static_cast<float>(-s / aspect), 0.0f,
                               static_cast<float>(s * aspect), static_cast<float>(c), 0.0f});
  }
  const auto float_options = torch::TensorOptions().dtype(torch::kFloat32);
  const auto matrices = torch::from_blob(theta.data(), {count, 2, 3}, float_options).to(batch.device());
  const auto offset = torch::from_blob(const_cast<float*>(fill.data()), {1, channels, 1, 1}, float_options)
                          .to(batch.device());
  namespace F = torch::nn::functional;
  const auto input = batch.to(torch::kFloat32) - offset;  // zeros padding then lands on `fill`
  const auto grid = F::affine_grid(matrices, input.sizes(), /*align_corners=*/false);
  auto warped = F::grid_sample(input, grid,
                               F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false)) +
                offset;
  const auto format = batch.is_contiguous(at::MemoryFormat::ChannelsLast) && !batch.is_contiguous()
                          ? at::MemoryFormat::ChannelsLast
                          : at::MemoryFormat::Contiguous;
  return warped.to(batch.scalar_type()).contiguous(format);
}

}  // namespace tessera::ops
