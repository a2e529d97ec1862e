#include "tessera/train/epoch_totals.h"

#include <torch/torch.h>

#include <cmath>
#include <string>

#include "tessera/core/error.h"

namespace tessera::train {

void EpochTotals::add(std::int64_t step, const torch::Tensor& loss, const torch::Tensor& outputs,
                      const torch::Tensor& targets) {
  torch::NoGradGuard no_grad;
  // One target per image (classification) or per position (language model): outputs carry the
  // scores in their last dimension either way.
  const auto n = targets.numel();
  const torch::Tensor weighted = loss.detach().to(torch::kFloat64) * static_cast<double>(n);
  const torch::Tensor correct = outputs.detach().argmax(-1).eq(targets).sum();
  if (!loss_sum_.defined()) {
    loss_sum_ = weighted;
    correct_ = correct;
  } else {
    loss_sum_.add_(weighted);
    correct_.add_(correct);
  }
  seen_ += n;
  unchecked_.emplace_back(step, loss.detach());
}

void EpochTotals::check_finite(std::int64_t epoch) {
  if (unchecked_.empty()) return;
  std::vector<torch::Tensor> losses;
  losses.reserve(unchecked_.size());
  for (const auto& [step, loss] : unchecked_) losses.push_back(loss.to(torch::kFloat32));
  const torch::Tensor values = torch::stack(losses).cpu();
  const auto* value = values.data_ptr<float>();
  for (std::size_t i = 0; i < unchecked_.size(); ++i) {
    if (!std::isfinite(value[i])) {
      throw UserError("training diverged at epoch " + std::to_string(epoch) + " step " +
                      std::to_string(unchecked_[i].first) +
                      " (loss is not finite); lower optim.lr or set train.grad_clip");
    }
  }
  unchecked_.clear();
}

double EpochTotals::mean_loss() const {
  return seen_ > 0 ? loss_sum_.item<double>() / static_cast<double>(seen_) : 0.0;
}

double EpochTotals::accuracy() const {
  return seen_ > 0 ? static_cast<double>(correct_.item<std::int64_t>()) / static_cast<double>(seen_) : 0.0;
}

}  // namespace tessera::train
