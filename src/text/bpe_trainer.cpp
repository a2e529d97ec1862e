#include "tessera/text/bpe_trainer.h"

#include <algorithm>
#include <queue>
#include <utility>
#include <vector>

#include "tessera/core/error.h"
#include "tessera/text/pretokenize.h"

namespace tessera::text {
namespace {

using PairKey = std::uint64_t;

PairKey pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
}
std::int32_t left_of(PairKey key) { return static_cast<std::int32_t>(key >> 32); }
std::int32_t right_of(PairKey key) { return static_cast<std::int32_t>(key & 0xFFFFFFFFu); }

// The training state: distinct pre-tokens as token sequences with their counts, how often each
// adjacent pair occurs (weighted by the counts), and which words may hold each pair.
class MergeLearner {
 public:
  MergeLearner(std::vector<std::pair<std::string, std::int64_t>> words, std::int64_t min_pair_count)
      : min_pair_count_(min_pair_count), heap_(HeapOrder{&token_bytes_}) {
    for (int b = 0; b < 256; ++b) token_bytes_.emplace_back(1, static_cast<char>(b));
    words_.reserve(words.size());
    counts_.reserve(words.size());
    for (auto& [text, count] : words) {
      std::vector<std::int32_t> symbols(text.begin(), text.end());
      for (auto& s : symbols) s = static_cast<unsigned char>(s);
      words_.push_back(std::move(symbols));
      counts_.push_back(count);
    }
    for (std::uint32_t w = 0; w < words_.size(); ++w) add_pairs_of(w, +1, /*index_all=*/true);
    for (const auto& [key, count] : pair_counts_) heap_.push({count, key});
  }

  // Learns up to `max_merges` merges; fewer when no pair is seen min_pair_count times any more.
  std::vector<BpeTokenizer::Merge> learn(std::size_t max_merges) {
    std::vector<BpeTokenizer::Merge> merges;
    while (merges.size() < max_merges && !heap_.empty()) {
      const HeapEntry best = heap_.top();
      heap_.pop();
      const auto it = pair_counts_.find(best.key);
      if (it == pair_counts_.end() || it->second != best.count) continue;  // stale entry
      if (best.count < min_pair_count_) break;  // the largest current count: nothing left to merge
      merges.push_back({left_of(best.key), right_of(best.key)});
      apply_merge(best.key);
    }
    return merges;
  }

 private:
  struct HeapEntry {
    std::int64_t count;
    PairKey key;
  };
  // priority_queue puts the "largest" first: the highest count, then the smallest byte strings.
  struct HeapOrder {
    const std::vector<std::string>* bytes;
    bool operator()(const HeapEntry& a, const HeapEntry& b) const {
      if (a.count != b.count) return a.count < b.count;
      const std::string& al = (*bytes)[left_of(a.key)];
      const std::string& bl = (*bytes)[left_of(b.key)];
      if (const int c = al.compare(bl); c != 0) return c > 0;  // std::string compares bytes unsigned
      return (*bytes)[right_of(a.key)].compare((*bytes)[right_of(b.key)]) > 0;
    }
  };

  // Adds sign * count(w) to every adjacent pair of word w and remembers the pairs it touched.
  // index_all: list w under every pair (initial state); otherwise only under pairs holding
  // `new_token` (the other pairs of w were there before, so w is listed under them already).
  void add_pairs_of(std::uint32_t w, int sign, bool index_all, std::int32_t new_token = -1) {
    const std::vector<std::int32_t>& s = words_[w];
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
      const PairKey key = pair_key(s[i], s[i + 1]);
      pair_counts_[key] += sign * counts_[w];
      if (!index_all) touched_.push_back(key);
      if (sign > 0 && (index_all || s[i] == new_token || s[i + 1] == new_token)) {
        std::vector<std::uint32_t>& holders = words_with_pair_[key];
        if (holders.empty() || holders.back() != w) holders.push_back(w);
      }
    }
  }

  void apply_merge(PairKey merged) {
    const std::int32_t left = left_of(merged), right = right_of(merged);
    const auto new_token = static_cast<std::int32_t>(token_bytes_.size());
    token_bytes_.push_back(token_bytes_[left] + token_bytes_[right]);

    std::vector<std::uint32_t> holders = std::move(words_with_pair_[merged]);
    words_with_pair_.erase(merged);
    touched_.clear();
    std::vector<std::int32_t> merged_symbols;
    for (const std::uint32_t w : holders) {
      std::vector<std::int32_t>& s = words_[w];
      bool holds = false;
      for (std::size_t i = 0; i + 1 < s.size() && !holds; ++i) holds = s[i] == left && s[i + 1] == right;
      if (!holds) continue;  // listed under the pair once, merged away since
      // Words are short: recounting all their pairs is simpler than patching neighbours, and
      // handles overlapping pairs ("aaa" with a+a) without special cases.
      add_pairs_of(w, -1, false);
      merged_symbols.clear();
      for (std::size_t i = 0; i < s.size();) {
        if (i + 1 < s.size() && s[i] == left && s[i + 1] == right) {
          merged_symbols.push_back(new_token);
          i += 2;
        } else {
          merged_symbols.push_back(s[i++]);
        }
      }
      s.swap(merged_symbols);
      add_pairs_of(w, +1, false, new_token);
    }
    std::sort(touched_.begin(), touched_.end());
    touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
    for (const PairKey key : touched_) {
      const auto it = pair_counts_.find(key);
      if (it->second > 0) {
        heap_.push({it->second, key});
      } else {
        pair_counts_.erase(it);
        words_with_pair_.erase(key);
      }
    }
  }

  std::int64_t min_pair_count_;
  std::vector<std::string> token_bytes_;
  std::vector<std::vector<std::int32_t>> words_;
  std::vector<std::int64_t> counts_;
  std::unordered_map<PairKey, std::int64_t> pair_counts_;
  std::unordered_map<PairKey, std::vector<std::uint32_t>> words_with_pair_;
  std::vector<PairKey> touched_;
  std::priority_queue<HeapEntry, std::vector<HeapEntry>, HeapOrder> heap_;
};

}  // namespace

BpeTrainer::BpeTrainer(BpeTrainOptions options) : options_(std::move(options)) {
  if (options_.vocab_size < 258) {
    throw UserError("BPE vocab_size must be at least 258 (256 byte tokens + 2 special tokens), got " +
                    std::to_string(options_.vocab_size));
  }
  if (options_.min_pair_count < 1) {
    throw UserError("BPE min_pair_count must be at least 1, got " + std::to_string(options_.min_pair_count));
  }
}

void BpeTrainer::add_text(std::string_view input, EncodeReport* report) {
  const std::string text = prepare_text(input, options_.text, report);
  for_each_pretoken(text, [&](std::string_view chunk) {
    if (const auto it = pretoken_counts_.find(chunk); it != pretoken_counts_.end()) {
      ++it->second;
    } else {
      pretoken_counts_.emplace(std::string(chunk), 1);
    }
  });
}

BpeTokenizer BpeTrainer::train() const {
  // Sorted words: the learner's internal order no longer depends on the hash map's.
  std::vector<std::pair<std::string, std::int64_t>> words(pretoken_counts_.begin(), pretoken_counts_.end());
  std::sort(words.begin(), words.end());
  MergeLearner learner(std::move(words), options_.min_pair_count);
  const auto max_merges = static_cast<std::size_t>(options_.vocab_size - 256 - 2);
  return BpeTokenizer(learner.learn(max_merges), options_.text);
}

BpeTokenizer train_bpe(std::string_view corpus, const BpeTrainOptions& options, EncodeReport* report) {
  BpeTrainer trainer(options);
  trainer.add_text(corpus, report);
  return trainer.train();
}

}  // namespace tessera::text
