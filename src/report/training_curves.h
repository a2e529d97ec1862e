#pragma once
// The training-curve figures from a run's metrics.jsonl (one record per epoch, keys written by
// train/trainer.cpp: epoch, train_loss, val_loss, train_accuracy, val_accuracy, lr, ...).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::report::detail {

// Loss, accuracy (token accuracy for a language model, plus perplexity) and learning rate per
// epoch. A key missing from some records leaves those epochs out of that curve only (validation
// may run every few epochs); "" when no record holds anything to plot.
std::string training_curves_html(const std::vector<nlohmann::json>& metrics, bool language_model);

}  // namespace tessera::report::detail
