#pragma once
// A prompt as the model sees it: the run's tokenizer, an empty prompt as <|endoftext|> (the
// token that starts every training document after the first), and at most `context` tokens, so
// a long prompt keeps its end (the part the continuation follows) and says what it lost.
#include <cstdint>
#include <string_view>
#include <vector>

#include "tessera/text/tokenizer.h"

namespace tessera::infer {

struct EncodedPrompt {
  std::vector<std::int32_t> ids;
  std::int64_t cropped = 0;  // tokens dropped from the start
};

// Logs a warning naming the dropped count when cropping. A character the tokenizer cannot encode
// is a UserError starting with "prompt: ".
EncodedPrompt encode_prompt(const text::Tokenizer& tokenizer, std::string_view prompt, std::int64_t context);

}  // namespace tessera::infer
