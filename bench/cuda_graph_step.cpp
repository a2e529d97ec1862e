#include "cuda_graph_step.h"

#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_fused_adamw.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "bench_autocast.h"

namespace bench {
namespace {

// AdamW whose whole state lives on the GPU, so that one captured step replays correctly.
struct CapturableAdamW {
  struct Group {
    std::vector<torch::Tensor> params, exp_avgs, exp_avg_sqs, steps;
    double weight_decay = 0.0;
  };
  std::vector<Group> groups;
  torch::Tensor lr;
  GraphStepOptions options;

  CapturableAdamW(torch::nn::Module& model, const GraphStepOptions& o) : options(o) {
    Group decayed, plain;
    decayed.weight_decay = o.weight_decay;
    for (auto& p : model.parameters()) {
      if (!p.requires_grad()) continue;
      auto& g = p.dim() > 1 ? decayed : plain;
      g.params.push_back(p);
      g.exp_avgs.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      g.exp_avg_sqs.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
      g.steps.push_back(torch::zeros({}, p.options().dtype(torch::kFloat32)));
    }
    groups = {std::move(decayed), std::move(plain)};
    lr = torch::full({}, o.lr, torch::TensorOptions().dtype(torch::kFloat32).device(model.parameters().at(0).device()));
  }

  void zero_grad() {
    for (auto& g : groups)
      for (auto& p : g.params) p.mutable_grad() = torch::Tensor();
  }

  void step() {
    torch::NoGradGuard no_grad;
    for (auto& g : groups) {
      std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs, steps;
      for (std::size_t i = 0; i < g.params.size(); ++i) {
        if (!g.params[i].grad().defined()) continue;
        params.push_back(g.params[i]);
        grads.push_back(g.params[i].grad());
        exp_avgs.push_back(g.exp_avgs[i]);
        exp_avg_sqs.push_back(g.exp_avg_sqs[i]);
        steps.push_back(g.steps[i]);
      }
      if (params.empty()) continue;
      at::_foreach_add_(steps, 1);
      at::_fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, /*max_exp_avg_sqs=*/{}, steps, lr, options.beta1,
                        options.beta2, g.weight_decay, options.eps, /*amsgrad=*/false, /*maximize=*/false);
    }
  }
};

}  // namespace

struct CudaGraphStep::Impl {
  std::function<torch::Tensor(const torch::Tensor&)> forward;
  CapturableAdamW optimizer;
  torch::Tensor static_x, static_y, static_loss;
  at::cuda::CUDAGraph graph;
  bool bf16;

  Impl(torch::nn::Module& model, std::function<torch::Tensor(const torch::Tensor&)> f, const GraphStepOptions& o)
      : forward(std::move(f)), optimizer(model, o), bf16(o.bf16) {}

  torch::Tensor eager_step(bool autocast_cache) {
    torch::Tensor loss;
    {
      AutocastScope autocast(bf16, at::kCUDA, autocast_cache);
      loss = torch::nn::functional::cross_entropy(forward(static_x), static_y);
    }
    loss.backward();
    optimizer.step();
    return loss;
  }
};

CudaGraphStep::CudaGraphStep(torch::nn::Module& model, std::function<torch::Tensor(const torch::Tensor&)> forward,
                             const torch::Tensor& x, const torch::Tensor& y, const GraphStepOptions& options)
    : impl_(std::make_unique<Impl>(model, std::move(forward), options)) {
  auto& s = *impl_;
  s.static_x = x.clone(at::MemoryFormat::Preserve);
  s.static_y = y.clone();
  const auto main_stream = c10::cuda::getCurrentCUDAStream();
  const auto side = c10::cuda::getStreamFromPool();
  {
    at::cuda::CUDAEvent ready;
    ready.record(main_stream);
    ready.block(side);
  }
  {
    c10::cuda::CUDAStreamGuard guard(side);
    for (long i = 0; i < options.warmup; ++i) {
      s.optimizer.zero_grad();
      s.eager_step(/*autocast_cache=*/true);
    }
    side.synchronize();
    // Grads must be None when capture starts: backward then allocates them from the graph's
    // private pool and every replay writes (not accumulates) into the same memory.
    s.optimizer.zero_grad();
    s.graph.capture_begin();
    s.static_loss = s.eager_step(/*autocast_cache=*/false);
    s.graph.capture_end();
  }
  {
    at::cuda::CUDAEvent done;
    done.record(side);
    done.block(main_stream);
  }
}

CudaGraphStep::~CudaGraphStep() = default;

torch::Tensor CudaGraphStep::step(const torch::Tensor& x, const torch::Tensor& y) {
  auto& s = *impl_;
  s.static_x.copy_(x, /*non_blocking=*/true);
  s.static_y.copy_(y, /*non_blocking=*/true);
  s.graph.replay();
  return s.static_loss;
}

}  // namespace bench
