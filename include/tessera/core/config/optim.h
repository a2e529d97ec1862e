#pragma once
#include <string>
#include <vector>

#include "tessera/core/config/reader.h"

namespace tessera::config {

enum class Optimizer { sgd, adamw };
template <>
struct ChoiceTable<Optimizer> {
  static constexpr ChoiceName<Optimizer> names[] = {{Optimizer::sgd, "sgd"}, {Optimizer::adamw, "adamw"}};
};

enum class Scheduler { none, step, cosine };
template <>
struct ChoiceTable<Scheduler> {
  static constexpr ChoiceName<Scheduler> names[] = {
      {Scheduler::none, "none"}, {Scheduler::step, "step"}, {Scheduler::cosine, "cosine"}};
};

// Optimiser and learning-rate schedule. The schedule is applied per step: a linear warmup over
// `warmup_epochs` (fractions allowed), then constant (none), cosine decay to `min_lr`, or a
// step decay by `gamma` every `step_size` epochs.
struct OptimConfig {
  Optimizer name = Optimizer::adamw;
  double lr = 1e-3;
  double weight_decay = 0.0;
  double momentum = 0.9;             // sgd
  bool nesterov = false;             // sgd
  std::vector<double> betas{0.9, 0.999};  // adamw
  double eps = 1e-8;                 // adamw
  Scheduler scheduler = Scheduler::cosine;
  double warmup_epochs = 0.0;
  int step_size = 30;                // step: epochs between decays
  double gamma = 0.1;                // step: decay factor
  double min_lr = 0.0;               // cosine: final learning rate

  template <class V>
  void visit(V& v) {
    v.field("name", name);
    v.field("lr", lr);
    v.field("weight_decay", weight_decay);
    v.field("momentum", momentum);
    v.field("nesterov", nesterov);
    v.field("betas", betas);
    v.field("eps", eps);
    v.field("scheduler", scheduler);
    v.field("warmup_epochs", warmup_epochs);
    v.field("step_size", step_size);
    v.field("gamma", gamma);
    v.field("min_lr", min_lr);
  }
  void validate(const SectionChecker& c) const {
    c.positive("lr", lr);
    c.non_negative("weight_decay", weight_decay);
    c.in_range("momentum", momentum, 0.0, 1.0);
    if (nesterov && momentum <= 0) c.fail("nesterov", "needs momentum > 0");
    if (betas.size() != 2 || betas[0] < 0 || betas[0] >= 1 || betas[1] < 0 || betas[1] >= 1) {
      c.fail("betas", "expected two values in [0, 1), e.g. [0.9, 0.999]");
    }
    c.positive("eps", eps);
    c.non_negative("warmup_epochs", warmup_epochs);
    c.positive("step_size", step_size);
    c.in_range("gamma", gamma, 0.0, 1.0);
    c.non_negative("min_lr", min_lr);
    if (min_lr > lr) c.fail("min_lr", "must not exceed lr");
  }
};

}  // namespace tessera::config
