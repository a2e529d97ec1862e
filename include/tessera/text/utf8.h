#pragma once
// Strict UTF-8 as the Unicode Standard defines it (chapter 3.9, table 3-7 "Well-Formed UTF-8 Byte
// Sequences"): overlong forms, UTF-16 surrogates (U+D800..U+DFFF), values above U+10FFFF, stray
// continuation bytes and truncated sequences are all ill-formed.
//
// Two policies for ill-formed input, both lossless about *where* the problem is:
//   error    tessera::DecodeError "invalid UTF-8 at byte offset N: <what>" at the first problem.
//   replace  one U+FFFD per "maximal subpart" of an ill-formed sequence (Unicode 3.9, "U+FFFD
//            Substitution of Maximal Subparts"; the W3C Encoding Standard and Python's
//            bytes.decode("utf-8", "replace") do the same), with a count of the replacements so
//            callers can report them instead of losing text silently.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::text {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;
inline constexpr char32_t kMaxCodePoint = 0x10FFFF;

enum class Utf8Policy { error, replace };

enum class Utf8Problem : std::uint8_t {
  none,
  unexpected_continuation,  // 0x80..0xBF where a character should start
  invalid_byte,             // 0xF8..0xFF: lead bytes of the old 5- and 6-byte forms
  overlong,                 // 0xC0, 0xC1; 0xE0 0x80..0x9F; 0xF0 0x80..0x8F
  surrogate,                // 0xED 0xA0..0xBF: U+D800..U+DFFF
  above_max,                // 0xF4 0x90..0xBF; 0xF5..0xF7: above U+10FFFF
  missing_continuation,     // a lead byte followed too soon by a byte that is not 0x80..0xBF
  truncated,                // the input ends inside a sequence that was well-formed so far
};

// One decoding step at bytes[offset] (offset < bytes.size()).
struct Utf8Step {
  char32_t code_point = 0;   // meaningful when problem == none
  std::uint32_t length = 0;  // bytes of the character, or of the maximal subpart (>= 1) on a problem
  Utf8Problem problem = Utf8Problem::none;
};
Utf8Step decode_step(std::string_view bytes, std::size_t offset);

// The DecodeError text for `step` found at bytes[offset]: "invalid UTF-8 at byte offset N: <what>".
// `reported_offset` is N (the position in the caller's whole stream, which may differ from offset).
std::string describe_utf8_problem(std::string_view bytes, std::size_t offset, const Utf8Step& step,
                                  std::size_t reported_offset);

// Offset of the first ill-formed sequence, or std::string_view::npos when `bytes` is well-formed.
std::size_t find_invalid_utf8(std::string_view bytes);
inline bool is_valid_utf8(std::string_view bytes) { return find_invalid_utf8(bytes) == std::string_view::npos; }

// Well-formed UTF-8 from any bytes, per `policy`. `replacements` (if given) receives the number of
// U+FFFD written for ill-formed input (not counting any U+FFFD the input already held).
std::string to_valid_utf8(std::string_view bytes, Utf8Policy policy, std::size_t* replacements = nullptr);

// Code points of `bytes`, per `policy` (replacements counted as above).
std::u32string decode_utf8(std::string_view bytes, Utf8Policy policy, std::size_t* replacements = nullptr);

// Unicode scalar values only: throws std::invalid_argument for surrogates and values > U+10FFFF.
void append_utf8(std::string& out, char32_t code_point);
std::string encode_utf8(std::u32string_view code_points);

// "U+00E9", "U+1F600": the conventional name of a code point, for messages.
std::string code_point_label(char32_t code_point);

}  // namespace tessera::text
