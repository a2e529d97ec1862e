// (b) Training throughput. The peer is bench/train_torch.py.
//
//   bench_train [--model resnet18] [--size 64] [--batch 32] [--steps 20] [--warmup 3] [--threads 2]
//               [--classes 10]
//
// Also prints the mean time per phase (forward incl. loss and zero_grad / backward / optimizer
// step) over the timed steps, to compare with the peer's same split.
//
// Synthetic data (a fixed pool of 4 random batches, reused round-robin, so no RNG in the loop),
// the registry's model, AdamW from tessera::train::make_optimizer (lr 1e-3, weight decay 0.05,
// no decay on 1-D parameters), cross-entropy; each step is zero_grad + forward + backward + step
// + loss.item(). The first `warmup` steps are not timed.
// Last line: "RESULT images_per_s=<value>".
#include <torch/torch.h>

#include <cstdio>

#include "bench_common.h"
#include "tessera/core/config/optim.h"
#include "tessera/models/registry.h"
#include "tessera/train/optimizer.h"

int main(int argc, char** argv) {
  const bench::Args args{argc, argv};
  const std::string model_name = args.get("model", "resnet18");
  const long size = args.get_int("size", 64);
  const long batch = args.get_int("batch", 32);
  const long steps = args.get_int("steps", 20);
  const long warmup = args.get_int("warmup", 3);
  const int threads = static_cast<int>(args.get_int("threads", 2));
  const long classes = args.get_int("classes", 10);

  try {
    torch::set_num_threads(threads);
    torch::manual_seed(0);
    tessera::models::ModelSpec spec;
    spec.name = model_name;
    spec.num_classes = classes;
    spec.in_channels = 3;
    auto model = tessera::models::create_model(spec);
    model->train();
    tessera::config::OptimConfig optim;
    optim.name = "adamw";
    optim.lr = 1e-3;
    optim.weight_decay = 0.05;
    auto optimizer = tessera::train::make_optimizer(*model, optim);

    std::vector<torch::Tensor> xs, ys;
    for (int i = 0; i < 4; ++i) {
      xs.push_back(torch::randn({batch, 3, size, size}));
      ys.push_back(torch::randint(0, classes, {batch}, torch::kInt64));
    }
    std::printf("bench_train: %s, %ldx%ld, batch %ld, %ld steps (+%ld warm-up), %d threads\n", model_name.c_str(),
                size, size, batch, steps, warmup, torch::get_num_threads());
    double t0 = 0, last_loss = 0, forward = 0, backward = 0, update = 0;
    for (long step = 0; step < warmup + steps; ++step) {
      if (step == warmup) t0 = bench::now_seconds();
      const auto& x = xs[step % 4];
      const auto& y = ys[step % 4];
      const double a = bench::now_seconds();
      optimizer->zero_grad();
      const auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
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
    const double dt = bench::now_seconds() - t0;
    std::printf("  %ld steps in %.2f s (%.1f ms/step), last loss %.4f\n", steps, dt, 1000.0 * dt / steps, last_loss);
    std::printf("  per step: forward %.1f ms, backward %.1f ms, optimizer %.1f ms\n", 1000 * forward / steps,
                1000 * backward / steps, 1000 * update / steps);
    std::printf("RESULT images_per_s=%.1f\n", steps * batch / dt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
