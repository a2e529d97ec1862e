#pragma once
// Character-level tokenizer over Unicode code points (never bytes): one token per code point of
// the corpus after normalisation (NFC by default), in code point order, then the special tokens
// <|endoftext|>, <|pad|> and <unk>. Characters the corpus never had follow an explicit policy.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tessera/text/tokenizer.h"

namespace tessera::text {

namespace detail {
struct VocabFile;
}

enum class UnknownCharacter {
  error,  // DecodeError "character U+XXXX at byte offset N is not in the vocabulary"
  unk,    // the <unk> token, counted in EncodeReport::unknown_characters
  skip,   // dropped, counted in EncodeReport::unknown_characters and skipped_characters
};
std::string_view to_string(UnknownCharacter policy);
std::optional<UnknownCharacter> parse_unknown_character(std::string_view name);

struct CharTokenizerOptions {
  // malformed = keep_bytes is refused: a byte that is not a character has no place here.
  TextPolicy text;
  UnknownCharacter unknown = UnknownCharacter::error;
};

class CharTokenizer final : public Tokenizer {
 public:
  // The distinct code points of prepare_text(corpus): ill-formed UTF-8 in the corpus follows
  // options.text.malformed (error, or U+FFFD which then becomes a character of the vocabulary).
  static CharTokenizer from_corpus(std::string_view corpus, const CharTokenizerOptions& options = {},
                                   EncodeReport* report = nullptr);
  // From a set of code points (any order, duplicates ignored); each must be a scalar value.
  CharTokenizer(std::u32string code_points, const CharTokenizerOptions& options);
  static CharTokenizer load(const std::filesystem::path& path);
  static CharTokenizer from_vocab_file(const detail::VocabFile& file, const std::string& source);

  std::string_view type() const override { return "char"; }
  std::int32_t vocab_size() const override { return static_cast<std::int32_t>(code_points_.size()) + 3; }
  const TextPolicy& text_policy() const override { return options_.text; }
  UnknownCharacter unknown_policy() const { return options_.unknown; }

  std::string decode(std::span<const std::int32_t> ids) const override;
  std::string token_bytes(std::int32_t id) const override;
  std::string token_text(std::int32_t id) const override { return token_bytes(id); }

  std::int32_t eot_id() const override { return static_cast<std::int32_t>(code_points_.size()); }
  std::int32_t pad_id() const override { return eot_id() + 1; }
  std::int32_t unk_id() const { return eot_id() + 2; }
  bool is_special(std::int32_t id) const override { return id >= eot_id() && id < vocab_size(); }

  // The code point of a character token (id < eot_id()).
  char32_t code_point(std::int32_t id) const;
  // The id of `code_point`, if the vocabulary has it.
  std::optional<std::int32_t> id_of(char32_t code_point) const;

  std::string to_json() const override;

 protected:
  // Offsets in the unknown-character error count bytes of the prepared text (after replacement
  // and normalisation), which are the input's own offsets when the input was well-formed NFC.
  std::vector<std::int32_t> encode_text(std::string_view text, EncodeReport* report) const override;

 private:
  CharTokenizerOptions options_;
  std::u32string code_points_;                        // id -> code point, ascending
  std::unordered_map<char32_t, std::int32_t> ids_;    // code point -> id
  std::array<std::int32_t, 128> ascii_ids_{};         // the common case without hashing; -1 = absent
};

}  // namespace tessera::text
