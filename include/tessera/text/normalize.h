#pragma once
// Unicode normalisation through utf8proc. Tokenizers use NFC (canonical composition) so that the
// same text gives the same tokens however it was typed: Korean arrives both as precomposed
// syllables (U+D55C) and as conjoining jamo (U+1112 U+1161 U+11AB), accents as one code point or
// as letter + combining mark.
#include <optional>
#include <string>
#include <string_view>

namespace tessera::text {

enum class Normalization { none, nfc };

// NFC of well-formed UTF-8 (embedded U+0000 is kept). Throws std::invalid_argument on ill-formed
// input: callers sanitise first (to_valid_utf8), so that offsets in errors refer to the input.
std::string normalize_nfc(std::string_view valid_utf8);

// Applies `form` (none returns the text unchanged).
std::string normalize(std::string_view valid_utf8, Normalization form);

// The utf8proc release and the Unicode version its tables follow, e.g. "utf8proc 2.8.0 (Unicode 15.0.0)".
std::string unicode_library_version();

// Names used in vocabulary files and configs: "none", "nfc".
std::string_view to_string(Normalization form);
std::optional<Normalization> parse_normalization(std::string_view name);

}  // namespace tessera::text
