#include "tessera/text/bpe_tokenizer.h"

#include <cstdio>
#include <mutex>
#include <queue>
#include <shared_mutex>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/text/pretokenize.h"
#include "tessera/text/utf8.h"
#include "vocab_file.h"

namespace tessera::text {
namespace {

constexpr std::int32_t kByteTokens = 256;
// A cache that grows without bound would hold every distinct word of a large corpus; past this
// many entries it starts over (encoding stays correct, only slower for a while).
constexpr std::size_t kMaxCachedPretokens = 1 << 18;

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct BpeTokenizer::Cache {
  std::shared_mutex mutex;
  std::unordered_map<std::string, std::vector<std::int32_t>, StringHash, std::equal_to<>> ids;
};

BpeTokenizer::BpeTokenizer(std::vector<Merge> merges, const TextPolicy& policy)
    : policy_(policy), merges_(std::move(merges)), cache_(std::make_unique<Cache>()) {
  token_bytes_.reserve(kByteTokens + merges_.size() + 2);
  for (int b = 0; b < kByteTokens; ++b) token_bytes_.emplace_back(1, static_cast<char>(b));
  rank_.reserve(merges_.size());
  for (std::size_t i = 0; i < merges_.size(); ++i) {
    const auto [left, right] = merges_[i];
    const auto next_id = static_cast<std::int32_t>(token_bytes_.size());
    if (left < 0 || right < 0 || left >= next_id || right >= next_id) {
      throw UserError("BPE merge " + std::to_string(i) + " [" + std::to_string(left) + ", " + std::to_string(right) +
                      "] refers to a token that does not exist before it (ids < " + std::to_string(next_id) + ")");
    }
    if (!rank_.emplace(pair_key(left, right), static_cast<std::int32_t>(i)).second) {
      throw UserError("BPE merge " + std::to_string(i) + " [" + std::to_string(left) + ", " + std::to_string(right) +
                      "] repeats an earlier merge");
    }
    token_bytes_.push_back(token_bytes_[left] + token_bytes_[right]);
  }
  token_bytes_.emplace_back(kEndOfTextToken);
  token_bytes_.emplace_back(kPaddingToken);
}

BpeTokenizer::~BpeTokenizer() = default;
BpeTokenizer::BpeTokenizer(BpeTokenizer&&) noexcept = default;
BpeTokenizer& BpeTokenizer::operator=(BpeTokenizer&&) noexcept = default;

std::vector<std::int32_t> BpeTokenizer::encode_pretoken(std::string_view bytes) const {
  const auto n = static_cast<std::int32_t>(bytes.size());
  std::vector<std::int32_t> id(bytes.size()), next(bytes.size()), prev(bytes.size());
  for (std::int32_t i = 0; i < n; ++i) {
    id[i] = static_cast<unsigned char>(bytes[i]);
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  // Lowest rank first, and among equal ranks the leftmost: GPT-2's "merge every occurrence of the
  // best pair, left to right" in O(n log n) instead of a rescan per merge (long runs of one
  // character are pre-tokens too). Entries go stale when a neighbour merges; they are checked.
  using Entry = std::pair<std::int32_t, std::int32_t>;  // (rank, left position)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  const auto push_pair = [&](std::int32_t left) {
    if (left < 0 || next[left] < 0) return;
    const auto it = rank_.find(pair_key(id[left], id[next[left]]));
    if (it != rank_.end()) heap.emplace(it->second, left);
  };
  for (std::int32_t i = 0; i + 1 < n; ++i) push_pair(i);
  while (!heap.empty()) {
    const auto [rank, left] = heap.top();
    heap.pop();
    const std::int32_t right = next[left];
    if (id[left] < 0 || right < 0) continue;
    const auto it = rank_.find(pair_key(id[left], id[right]));
    if (it == rank_.end() || it->second != rank) continue;
    id[left] = kByteTokens + rank;
    id[right] = -1;
    next[left] = next[right];
    if (next[right] >= 0) prev[next[right]] = left;
    push_pair(prev[left]);
    push_pair(left);
  }
  std::vector<std::int32_t> out;
  for (std::int32_t i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.push_back(id[i]);
  return out;
}

std::vector<std::int32_t> BpeTokenizer::encode_text(std::string_view input, EncodeReport* report) const {
  const std::string text = prepare_text(input, policy_, report);
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 3 + 1);
  for_each_pretoken(text, [&](std::string_view chunk) {
    {
      const std::shared_lock lock(cache_->mutex);
      if (const auto it = cache_->ids.find(chunk); it != cache_->ids.end()) {
        ids.insert(ids.end(), it->second.begin(), it->second.end());
        return;
      }
    }
    std::vector<std::int32_t> chunk_ids = encode_pretoken(chunk);
    ids.insert(ids.end(), chunk_ids.begin(), chunk_ids.end());
    const std::unique_lock lock(cache_->mutex);
    if (cache_->ids.size() >= kMaxCachedPretokens) cache_->ids.clear();
    cache_->ids.emplace(std::string(chunk), std::move(chunk_ids));
  });
  return ids;
}

std::string BpeTokenizer::decode(std::span<const std::int32_t> ids) const {
  std::string out;
  out.reserve(ids.size() * 4);
  for (const std::int32_t id : ids) {
    check_id(id);
    out += token_bytes_[static_cast<std::size_t>(id)];
  }
  return out;
}

std::string BpeTokenizer::token_bytes(std::int32_t id) const {
  check_id(id);
  return token_bytes_[static_cast<std::size_t>(id)];
}

std::string BpeTokenizer::token_text(std::int32_t id) const {
  const std::string bytes = token_bytes(id);
  std::string out;
  for (std::size_t i = 0; i < bytes.size();) {
    const Utf8Step step = decode_step(bytes, i);
    if (step.problem == Utf8Problem::none) {
      out.append(bytes, i, step.length);
    } else {
      for (std::size_t k = 0; k < step.length; ++k) {
        char shown[8];
        std::snprintf(shown, sizeof shown, "<0x%02X>", static_cast<unsigned char>(bytes[i + k]));
        out += shown;
      }
    }
    i += step.length;
  }
  return out;
}

std::string BpeTokenizer::to_json() const {
  detail::VocabFile file;
  file.type = "bpe";
  file.policy = policy_;
  file.special_tokens = {{eot_id(), "end_of_text", std::string(kEndOfTextToken)},
                         {pad_id(), "padding", std::string(kPaddingToken)}};
  file.merges = merges_;
  file.tokens.reserve(token_bytes_.size());
  for (std::int32_t id = 0; id < vocab_size(); ++id) file.tokens.push_back(token_text(id));
  return detail::write_vocab_json(file);
}

BpeTokenizer BpeTokenizer::from_vocab_file(const detail::VocabFile& file, const std::string& source) {
  if (file.type != "bpe") detail::throw_bad_vocab(source, "type is \"" + file.type + "\", expected \"bpe\"");
  if (!file.merges) detail::throw_bad_vocab(source, "key \"merges\" is missing");
  if (file.unknown_characters) {
    detail::throw_bad_vocab(source, "\"unknown_characters\" belongs to char tokenizers; byte-level BPE has no unknowns");
  }
  const std::size_t want = kByteTokens + file.merges->size() + 2;
  if (file.tokens.size() != want) {
    detail::throw_bad_vocab(source, "256 bytes + " + std::to_string(file.merges->size()) +
                                        " merges + 2 special tokens make " + std::to_string(want) +
                                        " tokens, but the file lists " + std::to_string(file.tokens.size()));
  }
  if (file.special_tokens.size() != 2 || detail::special_id(file, "end_of_text", source) != static_cast<std::int32_t>(want - 2) ||
      detail::special_id(file, "padding", source) != static_cast<std::int32_t>(want - 1) ||
      file.tokens[want - 2] != kEndOfTextToken || file.tokens[want - 1] != kPaddingToken) {
    detail::throw_bad_vocab(source, "a bpe vocabulary ends with exactly two special tokens: \"" +
                                        std::string(kEndOfTextToken) + "\" (end_of_text) then \"" +
                                        std::string(kPaddingToken) + "\" (padding)");
  }
  std::optional<BpeTokenizer> tokenizer;
  try {
    tokenizer.emplace(*file.merges, file.policy);
  } catch (const UserError& e) {
    detail::throw_bad_vocab(source, e.what());
  }
  // The printable tokens are for people, but they must agree with the merges: a hand edit that
  // changed one and not the other would otherwise go unnoticed.
  for (std::int32_t id = 0; id < tokenizer->vocab_size(); ++id) {
    if (tokenizer->token_text(id) != file.tokens[static_cast<std::size_t>(id)]) {
      detail::throw_bad_vocab(source, "token " + std::to_string(id) + " is \"" + file.tokens[static_cast<std::size_t>(id)] +
                                          "\" but the merges make \"" + tokenizer->token_text(id) + "\"");
    }
  }
  return std::move(*tokenizer);
}

BpeTokenizer BpeTokenizer::load(const std::filesystem::path& path) {
  const std::string source = path.string();
  return from_vocab_file(detail::parse_vocab_json(read_file(path), source), source);
}

}  // namespace tessera::text
