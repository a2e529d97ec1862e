#include <cstdio>

#include "commands.h"
#include "tessera/monitor/drift.h"

namespace tessera::cli {

void add_drift_command(CLI::App& app) {
  struct Options {
    monitor::DriftRequest request;
    double psi_threshold = 0.0;
    double ks_pvalue = 0.0;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand("drift", "Compare new images with a run's training data (data drift)");
  command->footer(
      "Measures the new images as `tessera train` measured the training data (drift_reference.json: pixel\n"
      "histograms, mean intensity, width, height, aspect; the model's confidence and predicted classes) and\n"
      "compares feature by feature: PSI over the reference's bins, and for numeric features the two-sample\n"
      "Kolmogorov-Smirnov test (asymptotic p-value, as scipy.stats.ks_2samp(method='asymp')). Thresholds come\n"
      "from the run's drift section (psi_threshold 0.2, ks_pvalue 0.01 Bonferroni-corrected) unless given here.\n"
      "Writes a table to stdout and drift.json.\n"
      "Exit status: 0 no drift, 3 drift detected, 1 error (2 internal error).\n"
      "Examples:\n  tessera drift models/digits --data incoming/\n"
      "  tessera drift models/digits --data batch.csv --output reports/drift.json --psi-threshold 0.1");
  command->add_option("run_dir", options->request.run_dir, "Run directory written by `tessera train`")->required();
  command->add_option("--data", options->request.data,
                      "Folder of images (searched recursively; class subfolders optional) or CSV manifest (path[,label])")
      ->required();
  command->add_option("--output", options->request.output, "drift.json path (default: <run>/drift.json)");
  command->add_option("--device", options->request.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  auto* psi = command->add_option("--psi-threshold", options->psi_threshold,
                                  "A feature drifts at PSI >= this (default: the run's drift.psi_threshold)");
  auto* ks = command->add_option("--ks-pvalue", options->ks_pvalue,
                                 "Family-wise KS significance level (default: the run's drift.ks_pvalue)");
  command->callback([options, psi, ks] {
    if (psi->count() > 0) options->request.psi_threshold = options->psi_threshold;
    if (ks->count() > 0) options->request.ks_pvalue = options->ks_pvalue;
    const monitor::DriftResult result = monitor::detect_drift(options->request);
    std::fputs(result.table.c_str(), stdout);
    std::printf("report: %s\n", result.output.c_str());
    if (result.comparison.drift) exit_status() = 3;
  });
}

}  // namespace tessera::cli
