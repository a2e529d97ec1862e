#include <cstdio>

#include "commands.h"
#include "tessera/eval/compare.h"

namespace tessera::cli {

void add_compare_command(CLI::App& app) {
  auto request = std::make_shared<eval::CompareRequest>();
  auto* command = app.add_subcommand(
      "compare", "Compare two classification runs on the same labelled data: accuracy difference with a paired "
                 "bootstrap interval, McNemar's test, per-class deltas and a verdict (compare.json, compare.html)");
  command->footer("Example:\n  tessera compare models/digits models/digits_wide --data data/digits/test --device cpu");
  command->add_option("run_a", request->run_a, "Run directory A (the current model)")->required();
  command->add_option("run_b", request->run_b, "Run directory B (the candidate)")->required();
  command->add_option("--data", request->data, "Class-per-subfolder directory or CSV manifest (path,label)")->required();
  command->add_option("--device", request->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  command->add_option("--batch-size", request->batch_size, "Images per batch (default: each run's eval.batch_size)")
      ->check(CLI::Range(1, 1000000));
  command->add_option("--output", request->output_dir, "Folder for compare.json and compare.html (default: here)");
  command->add_option("--bootstrap", request->bootstrap, "Bootstrap resamples of the accuracy difference")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  command->add_option("--seed", request->seed, "Seed of the bootstrap draws")->capture_default_str();
  command->callback([request] {
    const eval::CompareResult result = eval::compare_runs(*request);
    std::printf("%s\n", result.summary.c_str());
    std::printf("compare: %s\n", result.json_path.c_str());
    if (!result.html_path.empty()) std::printf("page: %s\n", result.html_path.c_str());
  });
}

}  // namespace tessera::cli
