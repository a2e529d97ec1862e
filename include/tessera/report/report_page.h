#pragma once
// report.html and compare.html: single self-contained files (inline CSS and SVG, images as
// data: URIs, no scripts, no network; a Content-Security-Policy forbids both) that can be
// mailed, archived or opened from a share. Every string that comes from data is escaped.
//
// The classification page shows the headline metrics, ROC and PR curves with the operating
// points (binary runs), the confusion heat map, per-class precision/recall/F1, the reliability
// diagram, the training curves, the most confident mistakes with thumbnails, throughput and
// latency, the config and the data fingerprint. A language-model run gets a smaller page: loss,
// perplexity, bits per character and token, the training curves and the config.
// Keys are read leniently: a missing or null value is left out, never an error.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tessera::report {

struct ReportInputs {
  nlohmann::json report;                 // report.json as `tessera eval` writes it
  std::vector<nlohmann::json> metrics;   // metrics.jsonl, one record per epoch (may be empty)
  std::string config_yaml;               // the run's config.yaml (may be empty)
  nlohmann::json fingerprint;            // data_fingerprint.json; null when the run has none
};

// The page for report["task"] ("classification" or "language_model"; without the key, a report
// holding bits_per_character is a language model's).
std::string render_report_html(const ReportInputs& inputs);

// The page for compare.json (`tessera compare RUN_A RUN_B --data PATH`): both accuracies, the
// difference with its bootstrap interval, McNemar's table and test, per-class deltas, the verdict.
std::string render_compare_html(const nlohmann::json& compare);

}  // namespace tessera::report
