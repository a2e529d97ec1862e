#include "tessera/train/grad_clip.h"

#include <torch/torch.h>

namespace tessera::train {

torch::Tensor clip_grad_norm(torch::nn::Module& module, double max_norm) {
  std::vector<torch::Tensor> grads;
  for (const auto& parameter : module.parameters()) {
    if (parameter.grad().defined()) grads.push_back(parameter.grad());
  }
  if (grads.empty()) return {};
  torch::NoGradGuard no_grad;
  // One fused kernel for the per-tensor norms, one for their norm, one for the scaling.
  const std::vector<torch::Tensor> norms = torch::_foreach_norm(grads, 2);
  const torch::Tensor total = torch::linalg_vector_norm(torch::stack(norms).to(torch::kFloat32), 2);
  const torch::Tensor scale = torch::clamp_max(max_norm / (total + 1e-6), 1.0);
  torch::_foreach_mul_(grads, scale);
  return total;
}

}  // namespace tessera::train
