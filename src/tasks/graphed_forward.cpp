#include "tessera/tasks/graphed_forward.h"

#include "tessera/core/compute.h"
#include "tessera/core/logging.h"

#ifdef TESSERA_WITH_CUDA
#include <ATen/autocast_mode.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace tessera::tasks {

#ifdef TESSERA_WITH_CUDA
struct GraphedForward::Captured {
  at::cuda::CUDAGraph graph;
  torch::Tensor input;   // the graph reads its input from here...
  torch::Tensor output;  // ...and writes its logits here, on every replay
};
#else
struct GraphedForward::Captured {};
#endif

GraphedForward::GraphedForward(tasks::Task& task, bool use_graphs)
    : task_(task), use_graphs_(use_graphs && task.device().is_cuda()) {
#ifndef TESSERA_WITH_CUDA
  use_graphs_ = false;
#endif
}

GraphedForward::~GraphedForward() = default;

torch::Tensor GraphedForward::eager(const torch::Tensor& inputs) {
  const AutocastScope autocast(task_.compute());
  return task_.forward(inputs).to(torch::kFloat32);
}

torch::Tensor GraphedForward::operator()(const torch::Tensor& inputs) {
  if (!use_graphs_) return eager(inputs);
#ifdef TESSERA_WITH_CUDA
  if (!captured_) capture(inputs);
  if (inputs.sizes() != captured_->input.sizes() || inputs.strides() != captured_->input.strides() ||
      inputs.scalar_type() != captured_->input.scalar_type()) {
    return eager(inputs);  // e.g. the last, partial batch
  }
  captured_->input.copy_(inputs);
  captured_->graph.replay();
  ++replays_;
  return captured_->output.clone();
#else
  return eager(inputs);
#endif
}

void GraphedForward::capture(const torch::Tensor& example) {
#ifdef TESSERA_WITH_CUDA
  const c10::cuda::CUDAGuard device_guard(example.device());
  auto captured = std::make_unique<Captured>();
  captured->input = torch::empty_like(example);
  captured->input.copy_(example);
  // Autocast's cast cache would hand the graph bf16 weights allocated outside its memory pool
  // and freed when the cache is cleared; capture without it (torch.cuda.graph's advice too).
  const bool cache_was_enabled = at::autocast::is_autocast_cache_enabled();
  at::autocast::set_autocast_cache_enabled(false);
  // Capture must not run on the default stream; warm-up on the same side stream lets cuDNN
  // pick its algorithms and cuBLAS create its handle before capture starts.
  const auto current = c10::cuda::getCurrentCUDAStream();
  const auto side = c10::cuda::getStreamFromPool(false, example.device().index());
  at::cuda::CUDAEvent ready;
  ready.record(current);
  ready.block(side);
  {
    const c10::cuda::CUDAStreamGuard stream_guard(side);
    for (int i = 0; i < 3; ++i) eager(captured->input);
    side.synchronize();
    captured->graph.capture_begin();
    captured->output = eager(captured->input);
    captured->graph.capture_end();
  }
  at::cuda::CUDAEvent done;
  done.record(side);
  done.block(current);
  at::autocast::set_autocast_cache_enabled(cache_was_enabled);
  captured_ = std::move(captured);
  log::info("eval: forward pass captured as a CUDA graph for batches of ", example.size(0));
#else
  (void)example;
#endif
}

}  // namespace tessera::tasks
