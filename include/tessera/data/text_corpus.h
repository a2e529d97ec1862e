#pragma once
// Text for the language model: files read as raw bytes, tokenized into one token stream, and the
// windows the model learns from. A window of context + 1 tokens gives the inputs (its first
// context tokens) and the targets (the same shifted by one), so every position predicts the next.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tessera/text/tokenizer.h"

namespace tessera::data {

// The documents of a text file (one document) or a folder (every regular file under it,
// recursively, sorted by path; hidden ones skipped). Bytes as they are on disk: the tokenizer's
// policy decides what ill-formed UTF-8 becomes. UserError naming the path when it is missing,
// unreadable or holds no text at all.
std::vector<std::string> read_documents(const std::filesystem::path& file_or_folder);

// The files read_documents reads from a folder, in its order: every regular file under it,
// recursively, sorted by path, hidden ones (and hidden folders) skipped. UserError naming the
// folder when it is missing or cannot be listed.
std::vector<std::filesystem::path> list_text_files(const std::filesystem::path& folder);

struct TokenStream {
  std::vector<std::int32_t> tokens;
  std::int64_t characters = 0;  // code points of the text the tokens encode (bits per character)
  std::int64_t bytes = 0;
};

// The documents encoded and joined with the end-of-text token between them. `report` collects
// what the tokenizer's policy had to replace or drop.
TokenStream tokenize_documents(const std::vector<std::string>& documents, const text::Tokenizer& tokenizer,
                               text::EncodeReport* report = nullptr);

// The first (1 - fraction) of the tokens and the rest: a split by position, so that no training
// window sees validation text. Throws UserError when either part would be shorter than
// `min_tokens` (a window plus its target).
std::pair<TokenStream, TokenStream> split_by_position(const TokenStream& stream, double fraction,
                                                      std::int64_t min_tokens);

// Start positions of the training windows of batch `step` in `epoch`: uniformly random in
// [0, size - window], a pure function of (seed, epoch, step), so a resumed run sees the same
// windows. `window` counts inputs + 1 target.
std::vector<std::int64_t> random_window_starts(std::int64_t size, std::int64_t window, std::int64_t count,
                                               std::uint64_t seed, std::int64_t epoch, std::int64_t step);

// Start positions for sequential training windows: window number g = (epoch - 1) * steps * count +
// step * count + i starts at (g * stride) mod (size - window + 1), so successive batches walk the
// text in order, wrap around at its end, and stay a pure function of (epoch, step) for resume.
// `epoch` counts from 1 (the trainer's numbering); `steps` is the number of steps per epoch.
std::vector<std::int64_t> sequential_window_starts(std::int64_t size, std::int64_t window, std::int64_t count,
                                                   std::int64_t stride, std::int64_t steps, std::int64_t epoch,
                                                   std::int64_t step);

// Evaluation windows over a whole stream, each scoring only tokens not scored before: window k
// starts at k * stride (the last one is moved back to end at the stream's end) and scores
// positions [scored_from, window end). Every token but the first is scored exactly once, so the
// total loss over them is the stream's NLL (perplexity, bits per character).
struct EvalWindow {
  std::int64_t start = 0;        // first input token
  std::int64_t length = 0;       // inputs in the window (<= context)
  std::int64_t first_scored = 0; // first target position (absolute index of a predicted token)
};
std::vector<EvalWindow> evaluation_windows(std::int64_t size, std::int64_t context, std::int64_t stride);

}  // namespace tessera::data
