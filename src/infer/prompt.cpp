#include "tessera/infer/prompt.h"

#include <string>

#include "tessera/core/error.h"
#include "tessera/core/logging.h"

namespace tessera::infer {

EncodedPrompt encode_prompt(const text::Tokenizer& tokenizer, std::string_view prompt, std::int64_t context) {
  EncodedPrompt encoded;
  text::EncodeReport report;
  try {
    encoded.ids = tokenizer.encode(prompt, &report);
  } catch (const UserError& error) {
    throw UserError(std::string("prompt: ") + error.what());
  }
  if (report.replaced_sequences > 0) log::warn("prompt: ", report.replaced_sequences, " ill-formed UTF-8 sequence(s) replaced by U+FFFD");
  if (report.unknown_characters > 0) log::warn("prompt: ", report.unknown_characters, " character(s) outside the vocabulary");
  if (encoded.ids.empty()) encoded.ids.push_back(tokenizer.eot_id());
  const auto size = static_cast<std::int64_t>(encoded.ids.size());
  if (size > context) {
    encoded.cropped = size - context;
    encoded.ids.erase(encoded.ids.begin(), encoded.ids.begin() + encoded.cropped);
    log::warn("prompt: ", size, " tokens do not fit the model's window of ", context, ": the first ", encoded.cropped,
              " token(s) were dropped");
  }
  return encoded;
}

}  // namespace tessera::infer
