// simple_cnn: output shapes for the input sizes it is meant for, that it can fit a tiny batch
// (the gradient path works end to end), and its CPU forward cost.
#include "tessera/models/simple_cnn.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "tessera/core/logging.h"

namespace tessera::models {
namespace {

TEST(SimpleCnn, ShapesForGreyAndColourSmallAndLarge) {
  torch::NoGradGuard no_grad;
  for (std::int64_t channels : {1, 3}) {
    auto net = SimpleCnn(SimpleCnnOptions(10).in_channels(channels));
    net->eval();
    for (std::int64_t size : {20, 28, 64}) {
      const auto y = net->forward(torch::randn({4, channels, size, size}));
      EXPECT_EQ(y.sizes(), (std::vector<std::int64_t>{4, 10})) << channels << "x" << size;
      EXPECT_TRUE(y.isfinite().all().item<bool>());
    }
  }
}

TEST(SimpleCnn, WidthSetsChannelsAndParameterCount) {
  auto net = SimpleCnn(SimpleCnnOptions(10).in_channels(1).width(32));
  std::int64_t n = 0;
  for (const auto& p : net->parameters()) n += p.numel();
  // convs (no bias) 1*32*9 + 32*32*9 | 32*64*9 + 64*64*9 | 64*128*9,
  // BN 2*(32+32+64+64+128), fc 128*10 + 10.
  EXPECT_EQ(n, 288 + 9216 + 18432 + 36864 + 73728 + 640 + 1290);
}

TEST(SimpleCnn, OverfitsATinyBatch) {
  torch::manual_seed(0);
  auto net = SimpleCnn(SimpleCnnOptions(10).in_channels(1).width(16));
  const auto x = torch::randn({16, 1, 20, 20});
  const auto y = torch::randint(0, 10, {16}, torch::kLong);
  torch::optim::AdamW opt(net->parameters(), torch::optim::AdamWOptions(3e-3));
  net->train();
  double first = 0, last = 0;
  for (int step = 0; step < 50; ++step) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, first / 5) << "loss " << first << " -> " << last;
}

TEST(SimpleCnn, DropoutOnlyInTraining) {
  auto net = SimpleCnn(SimpleCnnOptions(10).in_channels(1).dropout(0.5));
  const auto x = torch::randn({4, 1, 20, 20});
  torch::NoGradGuard no_grad;
  net->eval();
  EXPECT_TRUE(torch::equal(net->forward(x), net->forward(x)));
}

TEST(SimpleCnn, ForwardCostOn20x20Grey) {
  auto net = SimpleCnn(SimpleCnnOptions(10).in_channels(1));
  net->eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({256, 1, 20, 20});
  net->forward(x);  // warm-up: oneDNN primitive creation
  const int reps = 5;
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  for (int i = 0; i < reps; ++i) net->forward(x);
  const double images = reps * 256.0;
  const double wall_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / images;
  const double cpu_us = 1e6 * double(std::clock() - c0) / CLOCKS_PER_SEC / images;
  log::info("simple_cnn forward, 20x20 grey, batch 256, ", torch::get_num_threads(),
            " threads: ", wall_us, " us/image wall, ", cpu_us, " us/image CPU (all threads)");
  RecordProperty("wall_us_per_image", std::to_string(wall_us));
  // CPU time, not wall time, is bounded: the build box is shared and wall time swings with load.
  // ~3.8 MMAC per image costs ~0.2 ms of one core; 2 ms catches gross regressions only.
  EXPECT_LT(cpu_us, 2000.0);
}

}  // namespace
}  // namespace tessera::models
