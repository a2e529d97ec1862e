#pragma once
// What a tokenizer does to raw input bytes before it looks for tokens: how ill-formed UTF-8 is
// treated, then which normalisation applies. Both tokenizers share it, and it is saved in the
// vocabulary file so that training and later encoding can never disagree.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/text/normalize.h"

namespace tessera::text {

enum class MalformedInput {
  error,       // DecodeError "invalid UTF-8 at byte offset N: <what>" (the default)
  replace,     // U+FFFD per maximal subpart (Python's errors="replace"), counted in EncodeReport
  keep_bytes,  // byte-level BPE only: ill-formed bytes become their own byte tokens, so decode
               // gives back the exact input bytes; only the well-formed runs are normalised
};

struct TextPolicy {
  Normalization normalization = Normalization::nfc;
  MalformedInput malformed = MalformedInput::error;
  bool operator==(const TextPolicy&) const = default;
};

// What encoding had to change, so callers can report it instead of losing text silently.
struct EncodeReport {
  std::size_t replaced_sequences = 0;  // ill-formed UTF-8 sequences turned into U+FFFD
  std::size_t kept_bytes = 0;          // ill-formed bytes kept as byte tokens (keep_bytes)
  std::size_t unknown_characters = 0;  // characters outside a char vocabulary (as <unk> or skipped)
  std::size_t skipped_characters = 0;  // of those, the ones dropped by the skip policy
};

// The text a tokenizer sees: `input` with ill-formed UTF-8 handled per policy.malformed, then
// normalised. `report` (optional) accumulates what was replaced or kept.
std::string prepare_text(std::string_view input, const TextPolicy& policy, EncodeReport* report = nullptr);

// Names used in vocabulary files and configs: "error", "replace", "keep_bytes".
std::string_view to_string(MalformedInput policy);
std::optional<MalformedInput> parse_malformed_input(std::string_view name);

}  // namespace tessera::text
