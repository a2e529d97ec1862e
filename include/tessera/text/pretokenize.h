#pragma once
// GPT-2's pre-tokenisation: text is cut into chunks and BPE merges never cross a chunk boundary,
// so a token never spans a word and the space or punctuation after it. GPT-2 does this with the
// regular expression
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// which this file follows by hand over code points (std::regex is slow and has no \p{L}):
//   - an ASCII apostrophe followed by s, t, re, ve, m, ll or d;
//   - an optional single U+0020 space, then a run of letters (L*), of numbers (N*), or of
//     anything else that is not whitespace;
//   - a whitespace run, less its last character when a non-space follows (that space then
//     starts the next chunk, as in " word").
// Categories come from utf8proc; whitespace is Unicode's White_Space property (TAB..CR, U+0085
// and the Z* categories). Bytes that are not well-formed UTF-8 (MalformedInput::keep_bytes) count
// as "anything else".
#include <cstddef>
#include <string_view>
#include <vector>

namespace tessera::text {

enum class CharClass : unsigned char { letter, number, whitespace, other };

CharClass classify_code_point(char32_t code_point);

// Calls `visit(chunk)` for each chunk, in order; the chunks concatenate to `text`.
template <typename Visit>
void for_each_pretoken(std::string_view text, Visit&& visit);

std::vector<std::string_view> split_pretokens(std::string_view text);

// End (byte offset) of the chunk that starts at `begin` (< text.size()).
std::size_t pretoken_end(std::string_view text, std::size_t begin);

template <typename Visit>
void for_each_pretoken(std::string_view text, Visit&& visit) {
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = pretoken_end(text, begin);
    visit(text.substr(begin, end - begin));
    begin = end;
  }
}

}  // namespace tessera::text
