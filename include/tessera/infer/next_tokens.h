#pragma once
// `tessera next`: the "fill in the blank" view of a language model. For a prompt, the k most
// likely next tokens with their probabilities (the softmax of the last position's logits, no
// temperature), most likely first: the shape of OpenAI's top_logprobs.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/tasks/language_model.h"

namespace tessera::infer {

struct NextToken {
  std::int32_t id = 0;
  std::string text;  // Tokenizer::token_text: printable UTF-8, a partial character as "<0xEC>"
  double probability = 0.0;
};

// Sorted by probability, descending (ties: lower id first). k is clamped to [1, vocab size].
// The prompt is encoded and cropped as generate does it (infer/prompt.h).
std::vector<NextToken> next_tokens(tasks::LanguageModelTask& task, std::string_view prompt, std::int64_t k);

struct NextRequest {
  std::filesystem::path run_dir;
  std::string prompt;
  std::int64_t top_k = 10;
  std::string device = "auto";
};

// Loads the run and calls next_tokens. UserError for a run that is not a language model.
std::vector<NextToken> next_tokens(const NextRequest& request);

// A token made visible in a table: newline as "\n", tab as "\t", carriage return as "\r", space
// as "␠", a backslash as "\\", other control characters as "\x1b"; the rest unchanged.
std::string visible_token(std::string_view text);

}  // namespace tessera::infer
