#pragma once
#include <string>

#include "tessera/core/config/reader.h"

namespace tessera::config {

enum class Monitor { val_accuracy, val_loss };
template <>
struct ChoiceTable<Monitor> {
  static constexpr ChoiceName<Monitor> names[] = {{Monitor::val_accuracy, "val_accuracy"},
                                                  {Monitor::val_loss, "val_loss"}};
};

enum class Keep { best, last };
template <>
struct ChoiceTable<Keep> {
  static constexpr ChoiceName<Keep> names[] = {{Keep::best, "best"}, {Keep::last, "last"}};
};

struct EarlyStoppingConfig {
  int patience = 0;          // evaluations without improvement before stopping; 0 = off
  double min_delta = 0.0;    // smallest change that counts as an improvement

  template <class V>
  void visit(V& v) {
    v.field("patience", patience);
    v.field("min_delta", min_delta);
  }
  void validate(const SectionChecker& c) const {
    c.non_negative("patience", patience);
    c.non_negative("min_delta", min_delta);
  }
};

struct TrainConfig {
  int epochs = 10;
  double label_smoothing = 0.0;
  ClassWeights class_weights;        // 'balanced' or one weight per class; empty = uniform
  double grad_clip = 0.0;            // max global L2 norm of the gradients; 0 = off
  int eval_every = 1;                // epochs between validation passes
  Monitor monitor = Monitor::val_accuracy;  // the best epoch, early stopping
  Keep keep = Keep::best;                   // weights.safetensors holds the best epoch by `monitor` (best)
                                            // or the final epoch (last: with a decaying schedule, picking
                                            // by a small validation set mostly adds noise)
  EarlyStoppingConfig early_stopping;
  int log_every = 50;                // steps between log lines when not on a terminal

  template <class V>
  void visit(V& v) {
    v.field("epochs", epochs);
    v.field("label_smoothing", label_smoothing, Applies::image_classification);
    v.field("class_weights", class_weights, Applies::image_classification);
    v.field("grad_clip", grad_clip);
    v.field("eval_every", eval_every);
    v.field("monitor", monitor);
    v.field("keep", keep);
    v.field("early_stopping", early_stopping);
    v.field("log_every", log_every);
  }
  void validate(const SectionChecker& c) const {
    c.positive("epochs", epochs);
    c.in_range("label_smoothing", label_smoothing, 0.0, 1.0);
    for (double w : class_weights.values) {
      if (!(w >= 0)) c.fail("class_weights", "weights must be >= 0");
    }
    c.non_negative("grad_clip", grad_clip);
    c.positive("eval_every", eval_every);
    c.positive("log_every", log_every);
  }
};

}  // namespace tessera::config
