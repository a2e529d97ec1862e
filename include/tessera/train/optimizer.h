#pragma once
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <memory>

#include "tessera/core/config/optim.h"

namespace tessera::train {

// SGD (momentum, nesterov) or AdamW (the fused kernel, see fused_adamw.h) over the module's
// parameters. Weight decay is not applied to biases and normalisation parameters (1-D tensors),
// the usual practice for both.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(torch::nn::Module& module, const config::OptimConfig& optim);

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace tessera::train
