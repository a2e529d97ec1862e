#pragma once
// One whole training step (forward under optional bf16 autocast + cross-entropy + backward +
// AdamW) captured as a single CUDA graph and replayed with static input tensors. Used by
// bench_train --cuda-graphs; built only with TESSERA_WITH_CUDA (it needs libtorch_cuda).
//
// What the graph holds, exactly:
//   - forward and loss (bf16 autocast with its cast cache off, as PyTorch requires under capture),
//   - backward, writing the .grad tensors allocated during capture in the graph's private pool
//     (grads are None before capture, so replays overwrite rather than accumulate: no zero_grad),
//   - the optimizer: `_foreach_add_(steps, 1)` on per-parameter float32 step counters that live on
//     the GPU, then ATen's `_fused_adamw_` (the kernel the project's FusedAdamW calls) with the
//     learning rate read from a 0-d float32 device tensor, over two groups (weight decay on
//     tensors with dim > 1, none on biases and norm parameters, like tessera::train::make_optimizer).
// Outside the graph: copying the next batch into the static inputs, and reading the loss. A
// scheduler would write the lr tensor between replays (fill_); the bench keeps it constant.
// The project's FusedAdamW is not capturable as it is: it keeps the step count on the host and
// builds the per-step tensors with torch::full each step, and passes lr as a double, so a
// replay would repeat the captured step number and learning rate forever.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

namespace bench {

struct GraphStepOptions {
  double lr = 1e-3, weight_decay = 0.05, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  bool bf16 = false;
  long warmup = 3;  // eager steps on the capture stream before capturing (cuDNN benchmark, cuBLAS handles)
};

class CudaGraphStep {
 public:
  // Warms up on a side stream and captures. `x`, `y` are the shapes, dtypes and memory formats
  // every later batch must have (copied into the static inputs).
  CudaGraphStep(torch::nn::Module& model, std::function<torch::Tensor(const torch::Tensor&)> forward,
                const torch::Tensor& x, const torch::Tensor& y, const GraphStepOptions& options);
  ~CudaGraphStep();
  CudaGraphStep(const CudaGraphStep&) = delete;
  CudaGraphStep& operator=(const CudaGraphStep&) = delete;

  // Copies x, y into the static inputs and replays the step on the current stream. Returns the
  // static loss tensor (valid until the next replay); nothing is synchronised.
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& y);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bench
