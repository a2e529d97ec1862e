#pragma once
// `tessera eval`: a trained run over a labelled dataset, without autograd, in large batches.
// Writes report.json (metrics, calibration, two-class curves and operating points, the most
// confident mistakes, throughput, batch and per-image latency percentiles; the keys are listed in
// tasks/classification_evaluation.h and below) and confusion.csv.
// On a GPU: decode threads, side-stream uploads, the fused preprocessing kernel, bf16 autocast
// and optionally CUDA graphs, with nothing waiting for the device until the end.
// A language-model run (model.name gpt) is evaluated on text instead: eval/language_model_eval.h.
// In a c10d group (EvalRequest::group) the ranks share the data out and rank 0 reports the whole.
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tessera::dist {
class Group;
}

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

// Opens the run and evaluates it as its task requires (classification or language model).
EvalResult evaluate(const EvalRequest& request);

}  // namespace tessera::eval
