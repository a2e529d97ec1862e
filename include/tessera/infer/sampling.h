#pragma once
// Choosing the next token from a row of logits: temperature, then top-k, then top-p (nucleus),
// the order of Hugging Face transformers' default logits warpers, so the same settings keep the
// same candidates here and there.
//
// Determinism: the draw uses a torch CPU generator seeded once per generation, and the logits row
// is moved to the CPU (float32) before any of the maths, so on the CPU the same seed gives the
// same tokens. On CUDA the draw is the same for the same logits, but the logits themselves can
// differ in the last bits between GPUs, library versions or batch shapes (bf16 autocast, kernel
// choice), and one flipped draw changes the rest of the text: same seed, same text holds per
// machine, not across machines.
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>

namespace tessera::infer {

struct SamplingSettings {
  double temperature = 0.8;  // logits / temperature; 0 = greedy (argmax, top-k and top-p unused)
  std::int64_t top_k = 40;   // keep the k most likely tokens; 0 = off
  double top_p = 0.95;       // keep the fewest most likely tokens whose probability reaches p; 1 = off
  std::uint64_t seed = 0;
};

// UserError naming the setting for temperature < 0, top_k < 0 or top_p outside (0, 1].
void validate(const SamplingSettings& settings);

// The distribution sample_next draws from: float32 probabilities on the CPU, the size of the
// vocabulary, zero outside the top-k / top-p set and renormalised inside it. Temperature 0 gives
// one-hot at the argmax (the first one on ties).
torch::Tensor sampling_probabilities(const torch::Tensor& logits, const SamplingSettings& settings);

// One token id drawn from sampling_probabilities(logits) with `generator` (a CPU generator).
// Temperature 0 is the argmax and draws nothing, so it leaves the generator untouched.
std::int64_t sample_next(const torch::Tensor& logits, const SamplingSettings& settings, at::Generator& generator);

// A CPU generator seeded with `seed`: one per generation, so a run never depends on what else
// drew from torch's global generator before it.
at::Generator seeded_cpu_generator(std::uint64_t seed);

}  // namespace tessera::infer
