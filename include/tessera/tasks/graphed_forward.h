#pragma once
// The forward pass of evaluation, replayed as a CUDA graph when asked: for full batches of one
// shape the whole network becomes a single graph launch, which removes the per-kernel launch
// cost that dominates small networks. Other shapes (the last, partial batch), the CPU and
// builds without CUDA run eagerly. Must be called under torch::NoGradGuard or InferenceMode.
#include <torch/types.h>

#include <memory>

#include "tessera/tasks/task.h"

namespace tessera::tasks {

class GraphedForward {
 public:
  // `use_graphs` is ignored (eager) unless the task runs on CUDA.
  GraphedForward(tasks::Task& task, bool use_graphs);
  ~GraphedForward();
  GraphedForward(const GraphedForward&) = delete;
  GraphedForward& operator=(const GraphedForward&) = delete;

  // Float32 logits for `inputs` (a tensor of its own, not overwritten by the next call).
  torch::Tensor operator()(const torch::Tensor& inputs);

  bool graphs_enabled() const { return use_graphs_; }
  std::int64_t replays() const { return replays_; }

 private:
  struct Captured;
  torch::Tensor eager(const torch::Tensor& inputs);
  void capture(const torch::Tensor& example);

  tasks::Task& task_;
  bool use_graphs_ = false;
  std::int64_t replays_ = 0;
  std::unique_ptr<Captured> captured_;
};

}  // namespace tessera::tasks
