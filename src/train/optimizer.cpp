#include "tessera/train/optimizer.h"

#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include "tessera/train/fused_adamw.h"

namespace tessera::train {
namespace {

template <class Options>
std::vector<torch::optim::OptimizerParamGroup> parameter_groups(torch::nn::Module& module, const Options& base,
                                                                double weight_decay) {
  std::vector<torch::Tensor> decayed, not_decayed;
  for (auto& parameter : module.parameters()) {
    (parameter.dim() <= 1 ? not_decayed : decayed).push_back(parameter);
  }
  auto with_decay = std::make_unique<Options>(base);
  with_decay->weight_decay(weight_decay);
  auto without_decay = std::make_unique<Options>(base);
  without_decay->weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, std::move(with_decay));
  groups.emplace_back(not_decayed, std::move(without_decay));
  return groups;
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> make_optimizer(torch::nn::Module& module, const config::OptimConfig& optim) {
  switch (optim.name) {
    case config::Optimizer::sgd: {
      const auto options = torch::optim::SGDOptions(optim.lr).momentum(optim.momentum).nesterov(optim.nesterov);
      return std::make_unique<torch::optim::SGD>(parameter_groups(module, options, optim.weight_decay), options);
    }
    case config::Optimizer::adamw: {
      const auto options =
          torch::optim::AdamWOptions(optim.lr).betas({optim.betas.at(0), optim.betas.at(1)}).eps(optim.eps);
      return std::make_unique<FusedAdamW>(parameter_groups(module, options, optim.weight_decay), options);
    }
  }
  throw std::logic_error("make_optimizer: an optimizer without a case");
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace tessera::train
