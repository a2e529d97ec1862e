// (b) Training throughput. The peer is bench/train_torch.py (same flags).
//
//   bench_train [--model resnet18] [--size 64] [--batch 32] [--steps 20] [--warmup 3] [--threads 2]
//               [--classes 10] [--device cpu|cuda] [--precision fp32|bf16] [--channels-last]
//               [--cudnn-benchmark 0|1] [--tf32 0|1] [--cuda-graphs] [--json PATH]
//
// Synthetic data (a fixed pool of 4 random batches on the device, reused round-robin, so no RNG
// in the loop), the registry's model, cross-entropy; each step is zero_grad + forward + backward
// + step + loss.item() (the trainer reads the loss every step too). The first `warmup` steps are
// not timed. Optimizer: AdamW (lr 1e-3, weight decay 0.05, none on 1-D parameters) from
// tessera::train::make_optimizer, i.e. the project's FusedAdamW (ATen's _fused_adamw_).
//
// On the CPU it also prints the mean time per phase (forward incl. loss and zero_grad / backward /
// optimizer step), to compare with the peer's same split. On CUDA the phases are asynchronous, so
// only the whole is timed (synchronised at both ends).
//
// CUDA options: --precision bf16 is autocast to bfloat16 from C++ (forward and loss; weights,
// gradients and optimizer state stay fp32; no loss scaling needed); --channels-last converts the
// 4-D parameters (set_data, before the optimizer exists) and the inputs to NHWC; cuDNN benchmark
// mode and TF32 are on by default on CUDA (as in the peer). --cuda-graphs captures the whole step
// (forward + loss + backward + optimizer) as one CUDA graph after `warmup` eager steps on a side
// stream and replays it with static inputs: see cuda_graph_step.h for exactly what is captured
// and why it uses its own capturable AdamW (same kernel, step and lr on the device).
// Last line: "RESULT images_per_s=<value>". Without a CUDA device, --device cuda exits 3.
#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bench_autocast.h"
#include "bench_common.h"
#include "tessera/core/config/optim.h"
#include "tessera/models/registry.h"
#include "tessera/train/optimizer.h"
#ifdef BENCH_WITH_CUDA_GRAPHS
#include "cuda_graph_step.h"
#endif

int main(int argc, char** argv) {
  const bench::Args args{argc, argv};
  const std::string model_name = args.get("model", "resnet18");
  const long size = args.get_int("size", 64);
  const long batch = args.get_int("batch", 32);
  const long steps = args.get_int("steps", 20);
  const long warmup = args.get_int("warmup", 3);
  const int threads = static_cast<int>(args.get_int("threads", 2));
  const long classes = args.get_int("classes", 10);
  const std::string device_name = args.get("device", "cpu");
  const std::string precision = args.get("precision", "fp32");
  const bool channels_last = args.flag("channels-last", false);
  const bool cuda_graphs = args.flag("cuda-graphs", false);
  const std::string json_path = args.get("json", "");

  try {
    const torch::Device device(device_name);
    const bool cuda = device.is_cuda();
    const bool cudnn_benchmark = args.flag("cudnn-benchmark", cuda);
    const bool tf32 = args.flag("tf32", cuda);
    if (precision != "fp32" && precision != "bf16") {
      std::fprintf(stderr, "bench_train: --precision must be fp32 or bf16\n");
      return 2;
    }
    const bool bf16 = precision == "bf16";
    if (cuda && !torch::cuda::is_available()) {
      std::printf("bench_train: no CUDA device (torch::cuda::is_available() is false); nothing measured\n");
      return 3;
    }
    if (cuda_graphs && !cuda) {
      std::fprintf(stderr, "bench_train: --cuda-graphs needs --device cuda\n");
      return 2;
    }
#ifndef BENCH_WITH_CUDA_GRAPHS
    if (cuda_graphs) {
      std::fprintf(stderr, "bench_train: --cuda-graphs needs a CUDA build (TESSERA_WITH_CUDA)\n");
      return 2;
    }
#endif
    torch::set_num_threads(threads);
    torch::manual_seed(0);
    if (cuda) {
      auto& context = at::globalContext();
      context.setBenchmarkCuDNN(cudnn_benchmark);
      context.setAllowTF32CuDNN(tf32);
      context.setFloat32MatmulPrecision(tf32 ? "high" : "highest");  // TF32 for fp32 matmuls
    }
    tessera::models::ModelSpec spec;
    spec.name = model_name;
    spec.num_classes = classes;
    spec.in_channels = 3;
    auto model = tessera::models::create_model(spec);
    model->to(device);
    if (channels_last) {
      for (auto& p : model->parameters()) {
        if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
      }
    }
    model->train();
    tessera::config::OptimConfig optim;
    optim.name = tessera::config::Optimizer::adamw;
    optim.lr = 1e-3;
    optim.weight_decay = 0.05;

    const auto memory_format = channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    std::vector<torch::Tensor> xs, ys;
    for (int i = 0; i < 4; ++i) {
      xs.push_back(torch::randn({batch, 3, size, size}).to(device).contiguous(memory_format));
      ys.push_back(torch::randint(0, classes, {batch}, torch::kInt64).to(device));
    }
    std::string options;
    if (cuda) {
      options = std::string(", ") + device.str() + ", " + precision + (channels_last ? ", channels_last" : "") +
                (cudnn_benchmark ? ", cudnn benchmark" : "") + (tf32 ? ", tf32" : "") +
                (cuda_graphs ? ", CUDA graph of the whole step" : ", eager");
    } else if (bf16 || channels_last) {
      options = std::string(", ") + precision + (channels_last ? ", channels_last" : "");
    }
    std::printf("bench_train: %s, %ldx%ld, batch %ld, %ld steps (+%ld warm-up), %d threads%s\n", model_name.c_str(),
                size, size, batch, steps, warmup, torch::get_num_threads(), options.c_str());
    const auto sync = [&] {
      if (cuda) torch::cuda::synchronize();
    };

    double t0 = 0, dt = 0, last_loss = 0, forward = 0, backward = 0, update = 0;
    if (cuda_graphs) {
#ifdef BENCH_WITH_CUDA_GRAPHS
      bench::GraphStepOptions graph_options;
      graph_options.lr = optim.lr;
      graph_options.weight_decay = optim.weight_decay;
      graph_options.bf16 = bf16;
      graph_options.warmup = std::max(1L, warmup);
      const double c0 = bench::now_seconds();
      bench::CudaGraphStep graph(
          *model, [&](const torch::Tensor& x) { return model->forward(x); }, xs[0], ys[0], graph_options);
      for (int i = 0; i < 2; ++i) last_loss = graph.step(xs[i], ys[i]).item<double>();  // first replays, untimed
      sync();
      std::printf("  warm-up (%ld eager steps) + capture + 2 replays: %.2f s\n", graph_options.warmup,
                  bench::now_seconds() - c0);
      t0 = bench::now_seconds();
      for (long step = 0; step < steps; ++step) last_loss = graph.step(xs[step % 4], ys[step % 4]).item<double>();
      sync();
      dt = bench::now_seconds() - t0;
#endif
    } else {
      auto optimizer = tessera::train::make_optimizer(*model, optim);
      for (long step = 0; step < warmup + steps; ++step) {
        if (step == warmup) {
          sync();
          t0 = bench::now_seconds();
        }
        const auto& x = xs[step % 4];
        const auto& y = ys[step % 4];
        const double a = bench::now_seconds();
        optimizer->zero_grad();
        torch::Tensor loss;
        {
          bench::AutocastScope autocast(bf16, device.type());
          loss = torch::nn::functional::cross_entropy(model->forward(x), y);
        }
        const double b = bench::now_seconds();
        loss.backward();
        const double c = bench::now_seconds();
        optimizer->step();
        last_loss = loss.item<double>();
        if (step >= warmup) {
          forward += b - a;
          backward += c - b;
          update += bench::now_seconds() - c;
        }
      }
      sync();
      dt = bench::now_seconds() - t0;
    }
    const double images_per_s = steps * batch / dt;
    std::printf("  %ld steps in %.2f s (%.1f ms/step), last loss %.4f\n", steps, dt, 1000.0 * dt / steps, last_loss);
    if (!cuda) {
      std::printf("  per step: forward %.1f ms, backward %.1f ms, optimizer %.1f ms\n", 1000 * forward / steps,
                  1000 * backward / steps, 1000 * update / steps);
    }
    if (!json_path.empty()) {
      const nlohmann::json report = {{"benchmark", "train"},
                                     {"side", "tessera"},
                                     {"model", model_name},
                                     {"size", size},
                                     {"batch", batch},
                                     {"steps", steps},
                                     {"warmup", warmup},
                                     {"device", device.str()},
                                     {"precision", precision},
                                     {"channels_last", channels_last},
                                     {"cudnn_benchmark", cudnn_benchmark},
                                     {"tf32", tf32},
                                     {"cuda_graphs", cuda_graphs},
                                     {"optimizer", cuda_graphs ? "capturable AdamW (_fused_adamw_, device step and lr)"
                                                               : "tessera FusedAdamW (_fused_adamw_)"},
                                     {"torch", TORCH_VERSION},
                                     {"seconds", dt},
                                     {"ms_per_step", 1000.0 * dt / steps},
                                     {"last_loss", last_loss},
                                     {"images_per_s", images_per_s}};
      std::ofstream(json_path) << report.dump(2) << "\n";
    }
    std::printf("RESULT images_per_s=%.1f\n", images_per_s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
