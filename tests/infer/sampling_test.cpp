// Temperature, top-k and top-p on hand-made logits with exact answers, and seeded draws.
#include "tessera/infer/sampling.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "tessera/core/error.h"

namespace tessera::infer {
namespace {

// Logits whose softmax is exactly `probabilities`.
torch::Tensor logits_of(const std::vector<double>& probabilities) {
  return torch::tensor(probabilities, torch::kFloat64).log().to(torch::kFloat32);
}

void expect_probabilities(const torch::Tensor& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(0), static_cast<std::int64_t>(expected.size()));
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[static_cast<std::int64_t>(i)].item<double>(), expected[i], 1e-6) << "token " << i;
  }
}

SamplingSettings plain() { return {.temperature = 1.0, .top_k = 0, .top_p = 1.0, .seed = 0}; }

TEST(Sampling, TemperatureZeroIsTheArgmaxFirstOnTies) {
  const torch::Tensor logits = torch::tensor({1.0f, 3.0f, 2.0f, 3.0f});
  SamplingSettings greedy = plain();
  greedy.temperature = 0.0;
  at::Generator generator = seeded_cpu_generator(0);
  EXPECT_EQ(sample_next(logits, greedy, generator), 1);
  expect_probabilities(sampling_probabilities(logits, greedy), {0, 1, 0, 0});
  // Greedy draws nothing: the generator continues as if it had not been used.
  at::Generator fresh = seeded_cpu_generator(0);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(sample_next(logits, plain(), generator), sample_next(logits, plain(), fresh));
}

TEST(Sampling, TemperatureDividesTheLogits) {
  const torch::Tensor logits = torch::tensor({0.0f, static_cast<float>(std::log(2.0))});
  SamplingSettings settings = plain();
  expect_probabilities(sampling_probabilities(logits, settings), {1.0 / 3, 2.0 / 3});
  settings.temperature = 0.5;  // odds 2 -> 4
  expect_probabilities(sampling_probabilities(logits, settings), {0.2, 0.8});
  settings.temperature = 2.0;  // odds 2 -> sqrt(2)
  expect_probabilities(sampling_probabilities(logits, settings), {1 / (1 + std::sqrt(2.0)), std::sqrt(2.0) / (1 + std::sqrt(2.0))});
}

TEST(Sampling, TopKKeepsTheKMostLikelyRenormalised) {
  const torch::Tensor logits = logits_of({0.1, 0.2, 0.3, 0.4});
  SamplingSettings settings = plain();
  settings.top_k = 2;
  expect_probabilities(sampling_probabilities(logits, settings), {0, 0, 3.0 / 7, 4.0 / 7});
  settings.top_k = 1;
  expect_probabilities(sampling_probabilities(logits, settings), {0, 0, 0, 1});
  settings.top_k = 10;  // more than the vocabulary: nothing removed
  expect_probabilities(sampling_probabilities(logits, settings), {0.1, 0.2, 0.3, 0.4});
}

TEST(Sampling, TopPKeepsTheSmallestSetReachingP) {
  const torch::Tensor logits = logits_of({0.1, 0.2, 0.3, 0.4});
  SamplingSettings settings = plain();
  settings.top_p = 0.75;  // 0.4 + 0.3 + 0.2 = 0.9 is the first sum reaching 0.75
  expect_probabilities(sampling_probabilities(logits, settings), {0, 2.0 / 9, 3.0 / 9, 4.0 / 9});
  settings.top_p = 0.6;  // 0.4 + 0.3 = 0.7
  expect_probabilities(sampling_probabilities(logits, settings), {0, 0, 3.0 / 7, 4.0 / 7});
  settings.top_p = 0.35;  // the most likely token alone reaches it
  expect_probabilities(sampling_probabilities(logits, settings), {0, 0, 0, 1});
  settings.top_p = 0.01;  // never empty
  expect_probabilities(sampling_probabilities(logits, settings), {0, 0, 0, 1});
}

TEST(Sampling, TopKComesBeforeTopP) {
  // Top-k 2 leaves {3/7, 4/7}; then 4/7 alone reaches p = 0.5. The other order would keep both.
  const torch::Tensor logits = logits_of({0.1, 0.2, 0.3, 0.4});
  SamplingSettings settings = plain();
  settings.top_k = 2;
  settings.top_p = 0.5;
  expect_probabilities(sampling_probabilities(logits, settings), {0, 0, 0, 1});
}

TEST(Sampling, SameSeedSameDrawsAndFrequenciesFollowTheDistribution) {
  const torch::Tensor logits = logits_of({0.1, 0.2, 0.3, 0.4});
  const auto draws = [&](std::uint64_t seed, int n) {
    at::Generator generator = seeded_cpu_generator(seed);
    std::vector<std::int64_t> out;
    for (int i = 0; i < n; ++i) out.push_back(sample_next(logits, plain(), generator));
    return out;
  };
  EXPECT_EQ(draws(7, 200), draws(7, 200));
  EXPECT_NE(draws(7, 200), draws(8, 200));
  const auto many = draws(1, 20000);
  std::vector<double> frequency(4, 0.0);
  for (const auto id : many) frequency[static_cast<std::size_t>(id)] += 1.0 / static_cast<double>(many.size());
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(frequency[i], 0.1 * static_cast<double>(i + 1), 0.015) << i;
}

TEST(Sampling, SettingsOutOfRangeAreUserErrors) {
  const auto invalid = [](SamplingSettings s) { EXPECT_THROW(validate(s), UserError); };
  SamplingSettings s = plain();
  EXPECT_NO_THROW(validate(s));
  s.temperature = -0.1;
  invalid(s);
  s = plain();
  s.top_k = -1;
  invalid(s);
  s = plain();
  s.top_p = 0.0;
  invalid(s);
  s.top_p = 1.5;
  invalid(s);
  s.top_p = std::nan("");
  invalid(s);
}

}  // namespace
}  // namespace tessera::infer
