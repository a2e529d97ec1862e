#pragma once
// The model and optimizer the checkpoint and safetensors targets load into, and that
// fuzz_seeds.cpp saves for their seed corpora: a small simple_cnn and AdamW in two parameter
// groups (decay on >= 2-D parameters only), the shape of what `tessera train` saves.
#include <torch/optim/adamw.h>
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "../tests/run/tiny_cnn.h"
#include "tessera/models/network.h"
#include "tessera/models/registry.h"

namespace tessera::fuzz {

// The checkpoint tests' model (tests/run/tiny_cnn.h), so their fixtures and these seeds match.
inline std::shared_ptr<models::Network> make_model() { return run::testing::tiny_cnn(1); }

inline std::unique_ptr<torch::optim::AdamW> make_optimizer(torch::nn::Module& model) {
  std::vector<torch::Tensor> decayed, not_decayed;
  for (auto& p : model.parameters()) (p.dim() <= 1 ? not_decayed : decayed).push_back(p);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(1e-2).weight_decay(0.05)));
  groups.emplace_back(not_decayed, std::make_unique<torch::optim::AdamWOptions>(
                                       torch::optim::AdamWOptions(1e-2).weight_decay(0.0)));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(1e-2));
}

}  // namespace tessera::fuzz
