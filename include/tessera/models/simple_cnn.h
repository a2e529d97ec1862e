#pragma once
// A small, fast CPU network for tiny images (20x20 .. 64x64, grey or colour): three stages of
// conv3x3-BN-ReLU (two convs of width w, two of 2w, one of 4w) with 2x2 max-pooling between
// stages, then global average pooling (so any input size works), dropout and a linear
// classifier. About 11 MMAC per 20x20 grey image at w = 32. The second conv per stage lifted
// digits test accuracy from 97.6-98.4% to 98.4-98.8% over four seeds for 2x the cost.
#include <cstdint>

#include "tessera/models/network.h"

namespace tessera::models {

struct SimpleCnnOptions {
  SimpleCnnOptions(std::int64_t num_classes) : num_classes_(num_classes) {}
  TORCH_ARG(std::int64_t, num_classes);
  TORCH_ARG(std::int64_t, in_channels) = 3;
  TORCH_ARG(std::int64_t, width) = 32;
  TORCH_ARG(double, dropout) = 0.0;
};

struct SimpleCnnImpl : Network {
  explicit SimpleCnnImpl(const SimpleCnnOptions& options);
  torch::Tensor forward(torch::Tensor x) override;

  SimpleCnnOptions options;
  torch::nn::Sequential features{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(SimpleCnn);

}  // namespace tessera::models
