#include <cstdio>

#include "commands.h"
#include "tessera/core/config/infer.h"
#include "tessera/core/error.h"
#include "tessera/infer/predictor.h"

namespace tessera::cli {

void add_infer_command(CLI::App& app) {
  auto request = std::make_shared<infer::InferRequest>();
  auto* command = app.add_subcommand("infer", "Predict labels for image files or folders (CSV output)");
  command->footer(
      "Output columns: path,label,confidence,top1,top1_prob,...,error. Unreadable files get a row with the\n"
      "reason in 'error' and are skipped; exit status 1 only when every file failed.\n"
      "DICOM series: a folder of two or more slices with position/orientation is a series (infer.series:\n"
      "auto). Its slices are listed in position order (extra columns series,slice,position_mm) and\n"
      "<output stem>.series.csv holds one row per series: the mean or max of the slice probabilities\n"
      "(infer.series_aggregate), with both the mean and max probability of the chosen label.\n"
      "Examples:\n  tessera infer models/digits --input data/digits/test --top-k 3 --output preds.csv\n"
      "  tessera infer models/ct_slices --input scans/ --series-aggregate max");
  command->add_option("run_dir", request->run_dir, "Run directory written by `tessera train`")->required();
  command->add_option("--input", request->inputs, "Image files and/or folders (searched recursively)")->required();
  command->add_option("--top-k", request->top_k, "Labels with probabilities per image")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  command->add_option("--output", request->output, "CSV file (default: <run>/predictions.csv)");
  command->add_option("--device", request->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  command->add_option("--batch-size", request->batch_size, "Images per batch (default: the run's eval.batch_size)")
      ->check(CLI::Range(1, 1000000));
  command->add_flag("--show-paths", request->show_paths,
                    "DICOM inputs: write real file paths instead of opaque references ('dicom sample #N (hash)');\n"
                    "paths of medical files often hold patient names or IDs");
  command
      ->add_option("--series", request->series, "DICOM series grouping: auto or off (default: the run's infer.series)")
      ->check(CLI::IsMember(config::choice_names<config::SeriesGrouping>()));
  command
      ->add_option(
          "--series-aggregate", request->series_aggregate,
          "Per-series answer: mean or max of the slice probabilities (default: the run's infer.series_aggregate)")
      ->check(CLI::IsMember(config::choice_names<config::SeriesAggregate>()));
  command->callback([request] {
    const infer::InferSummary summary = infer::predict(*request);
    std::printf("predictions: %s (%zu images", summary.output.c_str(), summary.predicted);
    if (summary.failed > 0) std::printf(", %zu unreadable", summary.failed);
    std::printf(")\n");
    if (summary.series > 0) std::printf("series: %s (%zu series)\n", summary.series_output.c_str(), summary.series);
    if (summary.predicted == 0 && summary.failed > 0) {
      throw UserError("none of the " + std::to_string(summary.failed) + " input files could be read");
    }
  });
}

}  // namespace tessera::cli
