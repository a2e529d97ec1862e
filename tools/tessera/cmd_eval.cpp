#include <cstdio>

#include "commands.h"
#include "tessera/dist/group.h"
#include "tessera/eval/evaluator.h"
#include "tessera/run/run_directory.h"
#include "tessera/track/mlflow_tracker.h"

namespace tessera::cli {

void add_eval_command(CLI::App& app) {
  auto request = std::make_shared<eval::EvalRequest>();
  auto* command = app.add_subcommand(
      "eval", "Evaluate a trained run on a labelled dataset (report.json, confusion.csv) or a language model on text");
  command->footer(
      "Examples:\n  tessera eval models/digits --data data/digits/test --device cpu\n"
      "  tessera eval models/lm_char_en --data data/corpus-en/fortunes.txt --stride 32   # perplexity, bits/char\n"
      "  torchrun --no-python --nproc-per-node 2 tessera eval models/digits --data data/digits/test   # sharded");
  command->add_option("run_dir", request->run_dir, "Run directory written by `tessera train`")->required();
  command->add_option("--data", request->data,
                      "Class-per-subfolder directory or CSV manifest (path,label); language models: a text file or folder")
      ->required();
  command->add_option("--device", request->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
  command->add_option("--batch-size", request->batch_size,
                      "Images (language models: windows) per batch (default: the run's eval.batch_size)")
      ->check(CLI::Range(1, 1000000));
  command->add_option("--output", request->output_dir, "Folder for report.json and confusion.csv (default: the run)");
  command->add_option("--stride", request->stride,
                      "Language model: tokens between window starts; each scores only its new tokens (default: the "
                      "context, non-overlapping windows)")
      ->check(CLI::NonNegativeNumber);
  command->add_flag("--last", request->last_weights, "Use the last epoch's weights instead of the best");
  command->add_flag("--cuda-graphs", request->cuda_graphs,
                    "Replay the forward pass of full batches as a CUDA graph (CUDA only; also eval.cuda_graphs)");
  command->callback([request] {
    // Under torchrun each process scores its shard; rank 0 writes the report.
    const auto run_config = run::RunDirectory::open(request->run_dir).read_config();
    const auto group = dist::join_if_launched(run_config.runtime.distributed, request->device);
    request->group = group.get();
    const eval::EvalResult result = eval::evaluate(*request);
    if (group && !group->is_main()) return;
    std::vector<std::filesystem::path> files{result.report_path};
    files.insert(files.end(), result.artifact_paths.begin(), result.artifact_paths.end());
    track::record_evaluation(request->run_dir, result.report, files);  // a run trained with runtime.mlflow_dir
    std::printf("%s\n", result.summary.c_str());
    std::printf("report: %s\n", result.report_path.c_str());
  });
}

}  // namespace tessera::cli
