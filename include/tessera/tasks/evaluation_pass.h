#pragma once
// One pass of a task's model over a split without gradients: the loop that train's validation,
// `tessera eval` (both task families) and their data-parallel forms share. It knows nothing about
// images or text: batches come from Task::next_batch, scores go to the task's Evaluation, and in a
// c10d group every rank ends with the whole split's evaluation (combine_across_ranks).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/tasks/task.h"

namespace tessera::tasks {

struct PassOptions {
  // Replay full batches as a CUDA graph (GraphedForward); ignored off CUDA.
  bool cuda_graphs = false;
  // InferenceMode (eval) or only NoGradGuard (train's validation: a tensor created under
  // InferenceMode, such as a lazily built cache, could never take part in autograd afterwards).
  bool inference_mode = true;
  // A progress bar labelled "eval" counting the task's unit; off during training.
  bool progress = false;
  // The batch size and the key that sets it, for the out-of-memory advice.
  std::int64_t batch_size = 0;
  std::string batch_size_key = "eval.batch_size";
  dist::Group* group = nullptr;  // each rank scores its shard (Task::shard was called)
  std::int64_t epoch = 0;        // passed to Task::start_epoch (train's validation: the epoch)
  std::string progress_label = "eval";
};

struct PassResult {
  std::unique_ptr<Evaluation> evaluation;  // the whole split's (every rank's, in a group)
  std::vector<double> batch_ms;            // every batch's latency, every rank's in rank order
  std::string latency_clock;               // "gpu" (stream time per batch) or "wall"
  double seconds = 0.0;                    // the pass's wall time; in a group the slowest rank's
  std::int64_t unreadable = 0;             // samples skipped because they could not be read (all ranks)
  std::int64_t graph_replays = 0;          // batches replayed as a CUDA graph (this rank)
  bool graphs_enabled = false;
};

// Puts the module in eval mode and runs the pass; an out-of-memory error names
// options.batch_size_key. Collective in a group: every rank must call it.
PassResult evaluate_pass(Task& task, Split split, const PassOptions& options);

}  // namespace tessera::tasks
