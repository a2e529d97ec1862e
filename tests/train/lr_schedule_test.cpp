// LrSchedule against the closed-form schedules, computed independently here.
#include "tessera/train/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>

namespace tessera::train {
namespace {

// Relative tolerance for values computed with the same formula in double precision.
constexpr double kRel = 1e-12;

config::OptimConfig optim(const std::string& scheduler, double lr, double warmup_epochs = 0.0) {
  config::OptimConfig o;
  o.scheduler = *config::choice_named<config::Scheduler>(scheduler);
  o.lr = lr;
  o.warmup_epochs = warmup_epochs;
  return o;
}

TEST(LrScheduleTest, NoneIsConstant) {
  const LrSchedule schedule(optim("none", 0.05), 10, 4);
  for (std::int64_t step = 0; step < 60; ++step) EXPECT_EQ(schedule.at(step), 0.05) << step;
}

TEST(LrScheduleTest, NoneWithFractionalWarmup) {
  // 1.5 epochs of 10 steps = 15 warmup steps: lr * (s + 1) / 15, then lr.
  const double lr = 0.2;
  const LrSchedule schedule(optim("none", lr, 1.5), 10, 4);
  EXPECT_NEAR(schedule.at(0), lr / 15.0, kRel * lr);  // first step: lr / warmup_steps
  for (std::int64_t s = 0; s < 15; ++s) EXPECT_NEAR(schedule.at(s), lr * (s + 1) / 15.0, kRel * lr) << s;
  EXPECT_NEAR(schedule.at(14), lr, kRel * lr);  // the last warmup step reaches lr
  for (std::int64_t s = 15; s < 40; ++s) EXPECT_EQ(schedule.at(s), lr) << s;
  // Strictly increasing during warmup.
  for (std::int64_t s = 1; s < 15; ++s) EXPECT_GT(schedule.at(s), schedule.at(s - 1)) << s;
}

TEST(LrScheduleTest, WarmupStepsAreRounded) {
  // 0.25 epochs of 10 steps = 2.5 -> 3 warmup steps (round half away from zero); 0.3 * 7 = 2.1 -> 2.
  {
    const LrSchedule schedule(optim("none", 1.0, 0.25), 10, 2);
    EXPECT_NEAR(schedule.at(0), 1.0 / 3.0, kRel);
    EXPECT_NEAR(schedule.at(1), 2.0 / 3.0, kRel);
    EXPECT_EQ(schedule.at(2), 1.0);
    EXPECT_EQ(schedule.at(3), 1.0);
  }
  {
    const LrSchedule schedule(optim("none", 1.0, 0.3), 7, 2);
    EXPECT_NEAR(schedule.at(0), 0.5, kRel);
    EXPECT_EQ(schedule.at(1), 1.0);
  }
}

TEST(LrScheduleTest, StepDecay) {
  auto o = optim("step", 0.1);
  o.step_size = 2;
  o.gamma = 0.5;
  const std::int64_t spe = 5;
  const LrSchedule schedule(o, spe, 7);
  for (std::int64_t s = 0; s < spe * 7; ++s) {
    const std::int64_t epoch = s / spe;
    const double expected = 0.1 * std::pow(0.5, static_cast<double>(epoch / 2));
    EXPECT_NEAR(schedule.at(s), expected, kRel * 0.1) << s;
  }
  EXPECT_EQ(schedule.at(0), 0.1);
  EXPECT_EQ(schedule.at(9), 0.1);              // epoch 1
  EXPECT_NEAR(schedule.at(10), 0.05, kRel);    // epoch 2: first decay
  EXPECT_NEAR(schedule.at(34), 0.0125, kRel);  // epoch 6: third decay
}

TEST(LrScheduleTest, StepDecayWithWarmup) {
  auto o = optim("step", 0.1, 0.5);
  o.step_size = 1;
  o.gamma = 0.1;
  const LrSchedule schedule(o, 8, 3);  // 4 warmup steps
  for (std::int64_t s = 0; s < 4; ++s) EXPECT_NEAR(schedule.at(s), 0.1 * (s + 1) / 4.0, kRel * 0.1) << s;
  for (std::int64_t s = 4; s < 8; ++s) EXPECT_NEAR(schedule.at(s), 0.1, kRel * 0.1) << s;
  for (std::int64_t s = 8; s < 16; ++s) EXPECT_NEAR(schedule.at(s), 0.01, kRel * 0.1) << s;
  for (std::int64_t s = 16; s < 24; ++s) EXPECT_NEAR(schedule.at(s), 0.001, kRel * 0.1) << s;
}

double cosine(double lr, double min_lr, std::int64_t step, std::int64_t warmup, std::int64_t total) {
  const double t = static_cast<double>(step - warmup) / static_cast<double>(total - 1 - warmup);
  return min_lr + (lr - min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * t));
}

TEST(LrScheduleTest, CosineWithoutWarmup) {
  auto o = optim("cosine", 0.3);
  o.min_lr = 0.01;
  const std::int64_t spe = 6, epochs = 5, total = spe * epochs;
  const LrSchedule schedule(o, spe, epochs);
  for (std::int64_t s = 0; s < total; ++s) EXPECT_NEAR(schedule.at(s), cosine(0.3, 0.01, s, 0, total), kRel) << s;
  EXPECT_NEAR(schedule.at(0), 0.3, kRel);            // starts at lr
  EXPECT_NEAR(schedule.at(total - 1), 0.01, kRel);   // the last step is min_lr
  // Half way through the steps (t = 0.5) the rate is the mean of lr and min_lr.
  const LrSchedule odd(o, 11, 1);  // 11 steps: step 5 is t = 0.5
  EXPECT_NEAR(odd.at(5), (0.3 + 0.01) / 2, kRel);
  for (std::int64_t s = 1; s < total; ++s) EXPECT_LT(schedule.at(s), schedule.at(s - 1)) << s;
  // Past the end it stays at min_lr.
  EXPECT_NEAR(schedule.at(total + 5), 0.01, kRel);
}

TEST(LrScheduleTest, CosineWithFractionalWarmup) {
  auto o = optim("cosine", 0.1, 1.5);
  o.min_lr = 0.0;
  const std::int64_t spe = 4, epochs = 6, total = spe * epochs, warmup = 6;  // 1.5 * 4 = 6 warmup steps
  const LrSchedule schedule(o, spe, epochs);
  EXPECT_NEAR(schedule.at(0), 0.1 / warmup, kRel);
  for (std::int64_t s = 0; s < warmup; ++s) EXPECT_NEAR(schedule.at(s), 0.1 * (s + 1) / warmup, kRel) << s;
  for (std::int64_t s = warmup; s < total; ++s) {
    EXPECT_NEAR(schedule.at(s), cosine(0.1, 0.0, s, warmup, total), kRel) << s;
  }
  EXPECT_NEAR(schedule.at(warmup), 0.1, kRel);   // the decay starts at lr
  EXPECT_EQ(schedule.at(total - 1), 0.0);        // and ends exactly at min_lr
  EXPECT_NEAR(schedule.at(total - 1), 0.0, kRel);
  for (std::int64_t s = warmup + 1; s < total; ++s) EXPECT_LT(schedule.at(s), schedule.at(s - 1)) << s;
}

TEST(LrScheduleTest, CosineLastStepIsMinLrExactlyForManyShapes) {
  for (std::int64_t spe : {1, 3, 7, 50}) {
    for (std::int64_t epochs : {2, 3, 10}) {
      for (double warmup : {0.0, 0.5, 1.0}) {
        auto o = optim("cosine", 0.02, warmup);
        o.min_lr = 1e-4;
        const LrSchedule schedule(o, spe, epochs);
        const std::int64_t total = spe * epochs;
        const auto w = static_cast<std::int64_t>(std::llround(warmup * static_cast<double>(spe)));
        if (total - w < 2) continue;  // a decay of a single step has no end distinct from its start
        EXPECT_NEAR(schedule.at(total - 1), 1e-4, 1e-15) << spe << " " << epochs << " " << warmup;
        for (std::int64_t s = std::max<std::int64_t>(w, 1); s < total; ++s) {
          EXPECT_LE(schedule.at(s), schedule.at(s - 1) + 1e-18) << spe << " " << epochs << " " << warmup << " " << s;
        }
      }
    }
  }
}

}  // namespace
}  // namespace tessera::train
