#pragma once
// Language models small enough to build (and, for one test, train) inside a unit test: a
// character tokenizer over a short alphabet and a random GPT whose output never ends the text,
// so every generation runs to max_tokens unless a test wants otherwise.
#include <torch/torch.h>

#include <string>

#include "tessera/models/gpt.h"
#include "tessera/text/char_tokenizer.h"

namespace tessera::testing {

inline text::CharTokenizer tiny_char_tokenizer() {
  return text::CharTokenizer::from_corpus("abcdefghijklmnopqrstuvwxyz .,\n");
}

inline models::GptOptions tiny_gpt_options(std::int64_t vocab_size, std::int64_t context = 16) {
  models::GptOptions options;
  options.vocab_size = vocab_size;
  options.context = context;
  options.n_layer = 2;
  options.n_head = 2;
  options.n_embd = 32;
  return options;
}

// A random GPT (seeded) whose logits are spread wide enough that greedy choices are clear, and
// whose end-of-text logit is far below the rest: ln_f's output is zero-mean across channels plus
// its bias, so with a constant bias b and the tied embedding row of <|endoftext|> set to -1 in
// every channel, that token's logit is -n_embd * b whatever the input.
inline models::Gpt tiny_gpt(const text::Tokenizer& tokenizer, std::int64_t context = 16, std::uint64_t seed = 0) {
  torch::manual_seed(seed);
  models::Gpt gpt(tiny_gpt_options(tokenizer.vocab_size(), context));
  torch::NoGradGuard no_grad;
  gpt->wte->weight.mul_(25.0);
  gpt->ln_f->bias.fill_(1.0);
  gpt->wte->weight[tokenizer.eot_id()].fill_(-1.0);
  gpt->eval();
  return gpt;
}

}  // namespace tessera::testing
