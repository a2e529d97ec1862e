#pragma once
// The interface the language-model code uses, whichever tokenizer a run was trained with:
// character level (CharTokenizer) or byte-level BPE (BpeTokenizer). Both are built from a corpus,
// saved as one JSON vocabulary file in the run directory, and loaded back with load_tokenizer().
//
// Special tokens sit at the end of the vocabulary. encode() never produces them from text (the
// literal string "<|endoftext|>" in a document is encoded as ordinary text); callers add
// eot_id() between documents and pad_id() for padding themselves. decode() writes them as their
// text.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/text/text_policy.h"

namespace tessera::text {

inline constexpr std::string_view kEndOfTextToken = "<|endoftext|>";
inline constexpr std::string_view kPaddingToken = "<|pad|>";
inline constexpr std::string_view kUnknownToken = "<unk>";

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  virtual std::string_view type() const = 0;  // "char" or "bpe", as in the vocabulary file
  virtual std::int32_t vocab_size() const = 0;
  virtual const TextPolicy& text_policy() const = 0;

  // Token ids of `text` (raw bytes: ill-formed UTF-8 and normalisation follow text_policy()).
  // `report`, when given, accumulates what had to be replaced, kept or skipped.
  std::vector<std::int32_t> encode(std::string_view text, EncodeReport* report = nullptr) const {
    return encode_text(text, report);
  }

  // The bytes of `ids` in order (special tokens as their text). Throws tessera::UserError for an
  // id outside [0, vocab_size()). BPE output can end inside a character when cut anywhere:
  // stream it through Utf8StreamDecoder.
  virtual std::string decode(std::span<const std::int32_t> ids) const = 0;

  // Exact bytes of one token, and a printable UTF-8 form of it (BPE shows a byte that is not
  // part of a whole character as "<0xEC>").
  virtual std::string token_bytes(std::int32_t id) const = 0;
  virtual std::string token_text(std::int32_t id) const = 0;

  virtual std::int32_t eot_id() const = 0;
  virtual std::int32_t pad_id() const = 0;
  virtual bool is_special(std::int32_t id) const { return id == eot_id() || id == pad_id(); }

  // The vocabulary file's exact bytes: deterministic (same corpus and settings, same bytes).
  virtual std::string to_json() const = 0;
  // Writes to_json() atomically (tessera::write_file_atomic).
  void save(const std::filesystem::path& path) const;

 protected:
  virtual std::vector<std::int32_t> encode_text(std::string_view text, EncodeReport* report) const = 0;
  // UserError "token id N is outside the vocabulary [0, V)" unless 0 <= id < vocab_size().
  void check_id(std::int32_t id) const;
};

// Reads a vocabulary file written by save(), of either type. Throws tessera::UserError, one line
// naming the file and the problem, for a missing, unreadable or malformed file.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path);

}  // namespace tessera::text
