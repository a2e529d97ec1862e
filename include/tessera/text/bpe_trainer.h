#pragma once
// Learns byte-level BPE merges from a corpus. Pre-tokens (pretokenize.h) are counted once, then
// each step merges the most frequent adjacent pair of tokens and updates only the counts of the
// words that held it (a heap of pair counts with stale entries skipped), so a few MB of text train
// in seconds. Ties go to the pair whose (left bytes, right bytes) is lexicographically smallest:
// the result depends on the corpus and the options only, never on hash order or threads.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tessera/text/bpe_tokenizer.h"

namespace tessera::text {

struct BpeTrainOptions {
  // The whole vocabulary: 256 byte tokens + merges + 2 special tokens (so at least 258).
  std::int32_t vocab_size = 4096;
  TextPolicy text;
  // A pair seen fewer times is never merged; the vocabulary then stays below vocab_size (a
  // corpus too small for the size asked for). 2 keeps merges that only memorise one word.
  std::int64_t min_pair_count = 2;
};

class BpeTrainer {
 public:
  explicit BpeTrainer(BpeTrainOptions options);

  // Counts the pre-tokens of one document or file (after prepare_text with options.text).
  // Separate calls never share a pre-token, so a merge never spans two documents.
  void add_text(std::string_view text, EncodeReport* report = nullptr);

  std::size_t distinct_pretokens() const { return pretoken_counts_.size(); }

  BpeTokenizer train() const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  BpeTrainOptions options_;
  std::unordered_map<std::string, std::int64_t, StringHash, std::equal_to<>> pretoken_counts_;
};

// One document: BpeTrainer(options), add_text(corpus), train().
BpeTokenizer train_bpe(std::string_view corpus, const BpeTrainOptions& options, EncodeReport* report = nullptr);

}  // namespace tessera::text
