#include "tessera/train/fused_adamw.h"

#include <ATen/ops/_fused_adamw.h>

namespace tessera::train {
namespace {

torch::Tensor like(const torch::Tensor& parameter, const torch::Tensor& value) {
  if (!value.defined() || value.strides() == parameter.strides()) return value;
  return torch::empty_like(parameter).copy_(value);  // empty_like keeps the parameter's strides
}

void match_layout(torch::optim::AdamWParamState& state, const torch::Tensor& parameter, bool amsgrad) {
  state.exp_avg(like(parameter, state.exp_avg()));
  state.exp_avg_sq(like(parameter, state.exp_avg_sq()));
  if (amsgrad) state.max_exp_avg_sq(like(parameter, state.max_exp_avg_sq()));
}

}  // namespace

torch::Tensor FusedAdamW::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps;
    std::vector<float> step_counts;
    for (auto& parameter : group.params()) {
      if (!parameter.grad().defined()) continue;
      TORCH_CHECK(!parameter.grad().is_sparse(), "FusedAdamW does not support sparse gradients");
      auto& slot = state_[parameter.unsafeGetTensorImpl()];
      if (!slot) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->exp_avg(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
        if (options.amsgrad()) fresh->max_exp_avg_sq(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
        slot = std::move(fresh);
      }
      auto& state = static_cast<torch::optim::AdamWParamState&>(*slot);
      // The fused kernel walks a parameter and its moments with one index, so they must share
      // strides: state restored from a checkpoint may be contiguous while the parameter is
      // channels_last (or the other way round).
      match_layout(state, parameter, options.amsgrad());
      state.step(state.step() + 1);
      params.push_back(parameter);
      grads.push_back(parameter.grad());
      exp_avgs.push_back(state.exp_avg());
      exp_avg_sqs.push_back(state.exp_avg_sq());
      if (options.amsgrad()) max_exp_avg_sqs.push_back(state.max_exp_avg_sq());
      step_counts.push_back(static_cast<float>(state.step()));
    }
    if (params.empty()) continue;
    // The kernel reads the (already incremented) step count as a float tensor per parameter:
    // one upload for all of them instead of one small fill per parameter.
    const torch::Tensor all_steps = torch::tensor(step_counts).to(params.front().device());
    for (std::int64_t i = 0; i < all_steps.size(0); ++i) steps.push_back(all_steps[i]);
    const auto [beta1, beta2] = options.betas();
    at::_fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, options.lr(), beta1, beta2,
                      options.weight_decay(), options.eps(), options.amsgrad(), /*maximize=*/false);
  }
  return loss;
}

}  // namespace tessera::train
