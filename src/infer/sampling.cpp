#include "tessera/infer/sampling.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <limits>
#include <string>

#include "tessera/core/error.h"

namespace tessera::infer {

void validate(const SamplingSettings& settings) {
  if (!(settings.temperature >= 0.0)) {
    throw UserError("temperature must be >= 0 (0 = greedy), got " + std::to_string(settings.temperature));
  }
  if (settings.top_k < 0) throw UserError("top-k must be >= 0 (0 = off), got " + std::to_string(settings.top_k));
  if (!(settings.top_p > 0.0 && settings.top_p <= 1.0)) {
    throw UserError("top-p must be in (0, 1] (1 = off), got " + std::to_string(settings.top_p));
  }
}

torch::Tensor sampling_probabilities(const torch::Tensor& logits, const SamplingSettings& settings) {
  const torch::Tensor row = logits.detach().reshape({-1}).to(torch::kCPU, torch::kFloat32);
  const std::int64_t vocab = row.size(0);
  if (settings.temperature == 0.0) {
    return torch::zeros({vocab}, torch::kFloat32).index_fill_(0, row.argmax(), 1.0f);
  }
  torch::Tensor scaled = row / settings.temperature;
  if (settings.top_k > 0 && settings.top_k < vocab) {
    // Everything below the k-th largest logit goes; ties with it stay (as in transformers).
    const torch::Tensor kth = std::get<0>(scaled.topk(settings.top_k)).index({settings.top_k - 1});
    scaled = scaled.masked_fill(scaled < kth, -std::numeric_limits<float>::infinity());
  }
  torch::Tensor probabilities = scaled.softmax(0);
  if (settings.top_p < 1.0) {
    // Keep a token when the mass of the tokens ranked above it is still below p: the smallest
    // set reaching p, and never empty (the first token has nothing above it).
    const auto [sorted, order] = probabilities.sort(0, /*descending=*/true);
    const torch::Tensor mass_above = sorted.cumsum(0) - sorted;
    const torch::Tensor drop_sorted = mass_above >= settings.top_p;
    const torch::Tensor drop = torch::zeros_like(drop_sorted).scatter_(0, order, drop_sorted);
    probabilities = probabilities.masked_fill(drop, 0.0f);
    probabilities = probabilities / probabilities.sum();
  }
  return probabilities;
}

std::int64_t sample_next(const torch::Tensor& logits, const SamplingSettings& settings, at::Generator& generator) {
  if (settings.temperature == 0.0) {
    return logits.detach().reshape({-1}).to(torch::kCPU, torch::kFloat32).argmax().item<std::int64_t>();
  }
  const torch::Tensor probabilities = sampling_probabilities(logits, settings);
  return at::multinomial(probabilities, 1, /*replacement=*/false, generator).item<std::int64_t>();
}

at::Generator seeded_cpu_generator(std::uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

}  // namespace tessera::infer
