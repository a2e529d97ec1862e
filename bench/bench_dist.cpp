// (i) data-parallel scaling on c10d Gloo: training steps of simple_cnn (width 32, 1x28x28
// inputs, 10 classes, SGD) on synthetic data, `--batch` images per rank per step, gradients
// averaged by dist::Group after every backward. Start it alone (1 process) or under torchrun:
//
//   bench_dist [--batch 64] [--steps 30] [--warmup 5] [--threads 1]
//   torchrun --no-python --standalone --nproc-per-node 2 bench_dist --batch 64
//
// Rank 0 prints the job's images/s (all ranks' images over the time between two barriers) and the
// share of the step spent in the all-reduce. Last line: "RESULT images_per_s=<n> world=<w>".
// bench/run_dist.sh runs 1 and 2 processes and prints the efficiency.
#include <algorithm>
#include <cstdio>

#include <torch/torch.h>

#include "bench_common.h"
#include "tessera/dist/group.h"
#include "tessera/models/registry.h"

int main(int argc, char** argv) {
  const bench::Args args{argc, argv};
  const long batch = args.get_int("batch", 64), steps = args.get_int("steps", 30), warmup = args.get_int("warmup", 5);
  torch::set_num_threads(static_cast<int>(args.get_int("threads", 1)));
  try {
    const auto env = tessera::dist::read_launch_environment().value_or(tessera::dist::LaunchEnvironment{});
    const auto group = tessera::dist::Group::join(env);
    tessera::models::ModelSpec spec;
    spec.name = "simple_cnn";
    spec.in_channels = 1;
    spec.num_classes = 10;
    torch::manual_seed(0);
    const auto model = tessera::models::create_model(spec);
    auto parameters = model->parameters();
    group->broadcast_from_main(parameters);
    torch::optim::SGD optimizer(parameters, torch::optim::SGDOptions(0.01).momentum(0.9));
    torch::manual_seed(1 + env.rank);
    const torch::Tensor x = torch::randn({batch, 1, 28, 28});
    const torch::Tensor y = torch::randint(0, 10, {batch});
    double compute = 0, reduce = 0, start = 0;
    for (long step = 0; step < warmup + steps; ++step) {
      if (step == warmup) {
        group->barrier();
        start = bench::now_seconds();
        compute = reduce = 0;
      }
      const double t0 = bench::now_seconds();
      optimizer.zero_grad();
      torch::nn::functional::cross_entropy(model->forward(x), y).backward();
      const double t1 = bench::now_seconds();
      group->average_gradients(parameters);
      const double t2 = bench::now_seconds();
      optimizer.step();
      compute += t1 - t0;
      reduce += t2 - t1;
    }
    group->barrier();
    const double elapsed = bench::now_seconds() - start;
    const auto totals = group->sum({elapsed, reduce});
    if (group->is_main()) {
      const double images = static_cast<double>(batch) * static_cast<double>(steps) * group->size();
      std::printf("bench_dist: %d process(es), simple_cnn, batch %ld per rank, %ld steps after %ld; %s\n",
                  group->size(), batch, steps, warmup, tessera::dist::describe(env).c_str());
      // Every rank left the final barrier together, so rank 0's time is the job's.
      std::printf("  %.3f s, all-reduce %.1f%% of the time (mean over ranks), compute %.3f s on rank 0\n", elapsed,
                  100.0 * totals[1] / totals[0], compute);
      std::printf("RESULT images_per_s=%.1f world=%d\n", images / elapsed, group->size());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_dist: %s\n", e.what());
    return 1;
  }
  return 0;
}
