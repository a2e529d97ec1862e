#pragma once
// Loss and accuracy of one training epoch, summed on the device. Reading a GPU value back on
// every step would make the host wait for the GPU each time and leave it idle while the next
// batch is prepared, so the totals are read only when someone looks (the progress line, the
// end of the epoch).
#include <torch/types.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace tessera::train {

class EpochTotals {
 public:
  // Adds one step: its mean loss (0-d), the logits and the targets of its batch.
  void add(std::int64_t step, const torch::Tensor& loss, const torch::Tensor& outputs, const torch::Tensor& targets);

  // Reads back the losses added since the last check (waits for the device) and throws
  // UserError naming the epoch and the first step whose loss was not finite.
  void check_finite(std::int64_t epoch);

  std::int64_t seen() const { return seen_; }
  double mean_loss() const;  // waits for the device; 0 before any step
  double accuracy() const;   // likewise

 private:
  torch::Tensor loss_sum_;  // sum of loss * batch size, float64 on the device
  torch::Tensor correct_;   // int64 on the device
  std::int64_t seen_ = 0;
  std::vector<std::pair<std::int64_t, torch::Tensor>> unchecked_;  // (step, loss) not yet read back
};

}  // namespace tessera::train
