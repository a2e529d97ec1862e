#pragma once
// GPT-2-style byte-level BPE. The base vocabulary is the 256 bytes, so no input is ever unknown;
// merges learned from a corpus (bpe_trainer.h) add one token each, up to the configured
// vocabulary size, which also counts the special tokens <|endoftext|> and <|pad|> at the end:
//   ids 0..255            the bytes
//   ids 256..256+M-1      merge i joins tokens merges[i][0] and merges[i][1]
//   ids 256+M, 256+M+1    <|endoftext|>, <|pad|>
// Text is cut into pre-tokens first (pretokenize.h) and merges never cross them. Encoding applies
// the merges of each pre-token in rank order, like GPT-2, and caches the result per pre-token.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/text/tokenizer.h"

namespace tessera::text {

namespace detail {
struct VocabFile;
}

class BpeTokenizer final : public Tokenizer {
 public:
  using Merge = std::array<std::int32_t, 2>;

  // Each merge may only join tokens that exist before it (ids < 256 + its index). Throws UserError.
  BpeTokenizer(std::vector<Merge> merges, const TextPolicy& policy);
  ~BpeTokenizer() override;
  BpeTokenizer(BpeTokenizer&&) noexcept;
  BpeTokenizer& operator=(BpeTokenizer&&) noexcept;

  static BpeTokenizer load(const std::filesystem::path& path);
  static BpeTokenizer from_vocab_file(const detail::VocabFile& file, const std::string& source);

  std::string_view type() const override { return "bpe"; }
  std::int32_t vocab_size() const override { return static_cast<std::int32_t>(token_bytes_.size()); }
  const TextPolicy& text_policy() const override { return policy_; }
  const std::vector<Merge>& merges() const { return merges_; }

  std::string decode(std::span<const std::int32_t> ids) const override;
  std::string token_bytes(std::int32_t id) const override;
  // Printable form: the token's well-formed UTF-8 as is, every other byte as "<0xEC>" (a token
  // can hold part of a character; showing it this way never drops it).
  std::string token_text(std::int32_t id) const override;
  std::string decode_token_display(std::int32_t id) const { return token_text(id); }

  std::int32_t eot_id() const override { return vocab_size() - 2; }
  std::int32_t pad_id() const override { return vocab_size() - 1; }

  std::string to_json() const override;

  // The tokens of one pre-token's bytes (no caching, no text policy): what encode() does per chunk.
  std::vector<std::int32_t> encode_pretoken(std::string_view bytes) const;

 protected:
  std::vector<std::int32_t> encode_text(std::string_view text, EncodeReport* report) const override;

 private:
  struct Cache;
  TextPolicy policy_;
  std::vector<Merge> merges_;
  std::vector<std::string> token_bytes_;                  // id -> bytes; specials hold their text
  std::unordered_map<std::uint64_t, std::int32_t> rank_;  // (left << 32 | right) -> merge index
  std::unique_ptr<Cache> cache_;                          // pre-token -> ids, shared by threads
};

}  // namespace tessera::text
