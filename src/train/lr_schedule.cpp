#include "tessera/train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tessera::train {

LrSchedule::LrSchedule(const config::OptimConfig& optim, std::int64_t steps_per_epoch, std::int64_t epochs)
    : optim_(optim),
      steps_per_epoch_(std::max<std::int64_t>(1, steps_per_epoch)),
      total_steps_(std::max<std::int64_t>(1, steps_per_epoch * epochs)),
      warmup_steps_(static_cast<std::int64_t>(std::llround(optim.warmup_epochs * static_cast<double>(steps_per_epoch)))) {}

double LrSchedule::at(std::int64_t step) const {
  const double lr = optim_.lr;
  if (step < warmup_steps_) return lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps_);
  switch (optim_.scheduler) {
    case config::Scheduler::none: return lr;
    case config::Scheduler::step: {
      const auto epoch = step / steps_per_epoch_;
      return lr * std::pow(optim_.gamma, static_cast<double>(epoch / optim_.step_size));
    }
    case config::Scheduler::cosine: {
      const double span = static_cast<double>(std::max<std::int64_t>(1, total_steps_ - 1 - warmup_steps_));
      const double progress = std::clamp(static_cast<double>(step - warmup_steps_) / span, 0.0, 1.0);
      return optim_.min_lr + (lr - optim_.min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    }
  }
  return lr;
}

}  // namespace tessera::train
