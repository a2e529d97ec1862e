#pragma once
// `tessera eval`: a trained run over a labelled dataset, without autograd, in large batches.
// Writes report.json (metrics, calibration, two-class curves and operating points, the most
// confident mistakes, throughput, batch and per-image latency percentiles; the keys are listed in
// tasks/classification_evaluation.h and below) and confusion.csv.
// On a GPU: decode threads, side-stream uploads, the fused preprocessing kernel, bf16 autocast
// and optionally CUDA graphs, with nothing waiting for the device until the end.
// A language-model run (model.name gpt) is evaluated on text: loss, perplexity, bits per token
// and per character, window and stride (tasks/language_model.h, add_to_report). The loop is the
// same for both: the run's TaskFamily opens its Task, which reads --data as its test split, and
// tasks::evaluate_pass scores it.
// In a c10d group (EvalRequest::group) the ranks share the data out and rank 0 reports the whole.
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tessera/tasks/evaluation_pass.h"

namespace tessera::eval {

struct EvalRequest {
  std::filesystem::path run_dir;
  std::filesystem::path data;         // class folder or CSV manifest with the run's class names;
                                      // language models: a text file or a folder of them
  std::string device = "auto";
  int batch_size = 0;                 // 0 = the run's eval.batch_size
  std::filesystem::path output_dir;   // empty = the run directory
  bool last_weights = false;          // last.safetensors instead of the best weights
  bool cuda_graphs = false;           // replay full batches as a CUDA graph (also eval.cuda_graphs in the run's config)
  int stride = 0;                     // language models: tokens between window starts; 0 = the context
  // Data-parallel evaluation (torchrun): each rank scores its shard of the data (disjoint, every
  // sample once); the partial results are combined exactly, and only rank 0 writes the report.
  dist::Group* group = nullptr;
};

struct EvalResult {
  nlohmann::json report;
  std::filesystem::path report_path;
  std::vector<std::filesystem::path> artifact_paths;  // confusion.csv
  std::string summary;  // one line for the terminal, e.g. "accuracy: 0.9860"
};

// request.device resolved; in a group, a GPU is this process's own (cuda:LOCAL_RANK).
torch::Device process_device(const EvalRequest& request);

struct SplitEvaluation {
  nlohmann::json report;
  std::map<std::string, std::string> artifacts;  // Evaluation::artifacts(), e.g. confusion.csv
};

// One pass over the task's `split` (already set, and sharded in a group) and its report: the
// evaluation's numbers, processes, unreadable samples, throughput {<unit>, seconds,
// <unit>_per_second, batch_size}, precision, CUDA graph replays, batch and per-row latency
// percentiles, then what the task adds (Task::add_to_report). Nothing is written.
SplitEvaluation evaluate_split(tasks::Task& task, tasks::Split split, const tasks::PassOptions& options);

// Opens the run, reads request.data as its test split, evaluates it and writes report.json,
// report.html and the task's artifacts (confusion.csv) into the output folder.
EvalResult evaluate(const EvalRequest& request);

}  // namespace tessera::eval
