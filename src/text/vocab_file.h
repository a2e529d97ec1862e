#pragma once
// The vocabulary file both tokenizers share (private to src/text). JSON with a fixed key order and
// one token or merge per line, no timestamps: the same tokenizer always gives the same bytes, and
// a diff of two vocabularies is readable.
//
//   {
//     "format": "tessera-tokenizer",
//     "format_version": 1,
//     "type": "char" | "bpe",
//     "normalization": "nfc" | "none",
//     "malformed_utf8": "error" | "replace" | "keep_bytes",
//     "unknown_characters": "error" | "unk" | "skip",       (char only)
//     "vocab_size": N,
//     "special_tokens": [{"id": 4094, "role": "end_of_text", "text": "<|endoftext|>"}, ...],
//     "merges": [[116, 104], ...],     (bpe only: merge i makes token 256 + i from two ids)
//     "tokens": ["...", ...]           (printable text of every id, index = id)
//   }
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/text/text_policy.h"

namespace tessera::text::detail {

inline constexpr std::string_view kVocabFormat = "tessera-tokenizer";
inline constexpr int kVocabFormatVersion = 1;

struct SpecialTokenEntry {
  std::int32_t id = 0;
  std::string role;  // "end_of_text", "padding", "unknown"
  std::string text;
  bool operator==(const SpecialTokenEntry&) const = default;
};

struct VocabFile {
  std::string type;
  TextPolicy policy;
  std::optional<std::string> unknown_characters;  // char only
  std::vector<SpecialTokenEntry> special_tokens;
  std::optional<std::vector<std::array<std::int32_t, 2>>> merges;  // bpe only
  std::vector<std::string> tokens;
};

std::string write_vocab_json(const VocabFile& file);

// Parses and checks the common fields (format, version, enums, vocab_size == tokens.size(),
// special token ids in range). Throws UserError "bad tokenizer file SOURCE: PROBLEM".
VocabFile parse_vocab_json(std::string_view content, const std::string& source);

[[noreturn]] void throw_bad_vocab(const std::string& source, const std::string& problem);

// The id of the special token with `role`, or a bad-file error naming the missing role.
std::int32_t special_id(const VocabFile& file, std::string_view role, const std::string& source);

}  // namespace tessera::text::detail
