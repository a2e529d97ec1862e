#pragma once
// The model the checkpoint tests save and load: a simple_cnn of width 4 for 3 classes of grey
// images, initialised from `seed` (a few thousand parameters, milliseconds to build).
#include <torch/torch.h>

#include <cstdint>
#include <memory>

#include "tessera/models/registry.h"

namespace tessera::run::testing {

inline std::shared_ptr<models::Network> tiny_cnn(std::uint64_t seed) {
  torch::manual_seed(seed);
  models::ModelSpec spec;
  spec.name = "simple_cnn";
  spec.num_classes = 3;
  spec.in_channels = 1;
  spec.width = 4;
  return models::create_model(spec);
}

}  // namespace tessera::run::testing
