#pragma once
// Learning rate as a pure function of the optimizer step, so a resumed run needs only the step
// count to continue the schedule exactly.
#include <cstdint>

#include "tessera/core/config/optim.h"

namespace tessera::train {

class LrSchedule {
 public:
  LrSchedule(const config::OptimConfig& optim, std::int64_t steps_per_epoch, std::int64_t epochs);
  // The rate for the 0-based `step`: linear warmup from lr/warmup_steps to lr, then constant,
  // cosine to min_lr at the last step, or lr * gamma^(epoch / step_size).
  double at(std::int64_t step) const;

 private:
  config::OptimConfig optim_;
  std::int64_t steps_per_epoch_, total_steps_, warmup_steps_;
};

}  // namespace tessera::train
