#include "tessera/text/utf8.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/core/error.h"

namespace tessera::text {
namespace {

std::string fffd() { return "\xEF\xBF\xBD"; }

// The DecodeError message of to_valid_utf8(bytes, error), or "" when it does not throw.
std::string error_of(const std::string& bytes) {
  try {
    to_valid_utf8(bytes, Utf8Policy::error);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

TEST(Utf8, EncodesBoundaryCodePoints) {
  // Table 3-6/3-7 of the Unicode Standard: the first and last value of each length.
  EXPECT_EQ(encode_utf8(std::u32string(1, U'\0')), std::string("\x00", 1));
  EXPECT_EQ(encode_utf8(U"\u007F"), "\x7F");
  EXPECT_EQ(encode_utf8(U"\u0080"), "\xC2\x80");
  EXPECT_EQ(encode_utf8(U"\u07FF"), "\xDF\xBF");
  EXPECT_EQ(encode_utf8(U"\u0800"), "\xE0\xA0\x80");
  EXPECT_EQ(encode_utf8(U"\uD7FF"), "\xED\x9F\xBF");
  EXPECT_EQ(encode_utf8(U"\uE000"), "\xEE\x80\x80");
  EXPECT_EQ(encode_utf8(U"\uFFFF"), "\xEF\xBF\xBF");
  EXPECT_EQ(encode_utf8(U"\U00010000"), "\xF0\x90\x80\x80");
  EXPECT_EQ(encode_utf8(U"\U0010FFFF"), "\xF4\x8F\xBF\xBF");
}

TEST(Utf8, EveryScalarValueRoundTrips) {
  std::size_t checked = 0;
  for (char32_t cp = 0; cp <= kMaxCodePoint; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string bytes;
    append_utf8(bytes, cp);
    const std::size_t want_length = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    ASSERT_EQ(bytes.size(), want_length) << code_point_label(cp);
    const Utf8Step step = decode_step(bytes, 0);
    ASSERT_EQ(step.problem, Utf8Problem::none) << code_point_label(cp);
    ASSERT_EQ(step.code_point, cp);
    ASSERT_EQ(step.length, want_length);
    ++checked;
  }
  EXPECT_EQ(checked, 0x110000u - 0x800u);  // 1,112,064 scalar values
}

TEST(Utf8, RefusesToEncodeNonScalarValues) {
  std::string out;
  EXPECT_THROW(append_utf8(out, 0xD800), std::invalid_argument);
  EXPECT_THROW(append_utf8(out, 0xDFFF), std::invalid_argument);
  EXPECT_THROW(append_utf8(out, 0x110000), std::invalid_argument);
  EXPECT_TRUE(out.empty());
}

TEST(Utf8, DecodesMixedText) {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
  EXPECT_EQ(decode_utf8(text, Utf8Policy::error), U"a\u00E9\u20AC\U0001F600");
  EXPECT_TRUE(is_valid_utf8(text));
  EXPECT_EQ(to_valid_utf8(text, Utf8Policy::error), text);
}

TEST(Utf8, ErrorMessagesNameTheOffsetAndTheProblem) {
  // Overlong forms: C0 AF is "/" in two bytes, E0 80 AF in three, F0 80 80 AF in four.
  EXPECT_EQ(error_of("ab\xC0\xAF"), "invalid UTF-8 at byte offset 2: overlong encoding of U+002F (bytes C0 AF)");
  EXPECT_EQ(error_of("\xE0\x80\xAF"), "invalid UTF-8 at byte offset 0: overlong encoding of U+002F (bytes E0 80 AF)");
  EXPECT_EQ(error_of("x\xF0\x80\x80\xAF"),
            "invalid UTF-8 at byte offset 1: overlong encoding of U+002F (bytes F0 80 80 AF)");
  EXPECT_EQ(error_of("\xC1"), "invalid UTF-8 at byte offset 0: overlong encoding (bytes C1)");
  // Surrogates D800..DFFF.
  EXPECT_EQ(error_of("\xED\xA0\x80"), "invalid UTF-8 at byte offset 0: UTF-16 surrogate U+D800 (bytes ED A0 80)");
  EXPECT_EQ(error_of("ok \xED\xBF\xBF"), "invalid UTF-8 at byte offset 3: UTF-16 surrogate U+DFFF (bytes ED BF BF)");
  // Above U+10FFFF.
  EXPECT_EQ(error_of("\xF4\x90\x80\x80"),
            "invalid UTF-8 at byte offset 0: code point U+110000 above U+10FFFF (bytes F4 90 80 80)");
  EXPECT_EQ(error_of("\xF5\x80\x80\x80"),
            "invalid UTF-8 at byte offset 0: code point U+140000 above U+10FFFF (bytes F5 80 80 80)");
  EXPECT_EQ(error_of("\xF7"), "invalid UTF-8 at byte offset 0: code point above U+10FFFF (bytes F7)");
  EXPECT_EQ(error_of("\xFF"), "invalid UTF-8 at byte offset 0: byte 0xFF never occurs in UTF-8");
  EXPECT_EQ(error_of("\xF8\x88\x80\x80\x80"), "invalid UTF-8 at byte offset 0: byte 0xF8 never occurs in UTF-8");
  // Truncated at the end, or cut short by a byte that is not a continuation byte.
  EXPECT_EQ(error_of("\xE2\x82"), "invalid UTF-8 at byte offset 0: truncated 3-byte sequence at end of input (bytes E2 82)");
  EXPECT_EQ(error_of("abc\xF0\x9F\x98"),
            "invalid UTF-8 at byte offset 3: truncated 4-byte sequence at end of input (bytes F0 9F 98)");
  EXPECT_EQ(error_of("\xE2\x82z"),
            "invalid UTF-8 at byte offset 0: incomplete 3-byte sequence (bytes E2 82): 0x7A is not a continuation byte");
  EXPECT_EQ(error_of("\xC3("), "invalid UTF-8 at byte offset 0: incomplete 2-byte sequence (bytes C3): 0x28 is not a continuation byte");
  // A continuation byte where a character should start.
  EXPECT_EQ(error_of("\xC3\xA9\xA9"), "invalid UTF-8 at byte offset 2: unexpected continuation byte 0xA9");
  // Errors are DecodeErrors, which are UserErrors (exit code 1 in the CLI).
  EXPECT_THROW(decode_utf8("\x80", Utf8Policy::error), UserError);
  EXPECT_EQ(find_invalid_utf8("abc\x80"), 3u);
  EXPECT_EQ(find_invalid_utf8("abc"), std::string_view::npos);
}

struct ReplaceCase {
  std::string input;
  std::string expected;  // Python: input.decode("utf-8", "replace").encode("utf-8")
  std::size_t replacements;
};

TEST(Utf8, ReplacesMaximalSubpartsLikePython) {
  const std::string r = fffd();
  const std::vector<ReplaceCase> cases = {
      // F0 80 80: 80 is outside F0's second-byte range (90..BF), so F0 alone is the maximal
      // subpart, then each 80 is a stray continuation byte: three U+FFFD.
      {"\xF0\x80\x80", r + r + r, 3},
      // Unicode 15 table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64.
      {"a\xF1\x80\x80\xE1\x80\xC2" "b\x80" "c\x80\xBF" "d", "a" + r + r + r + "b" + r + "c" + r + r + "d", 6},
      {"\xED\xA0\x80", r + r + r, 3},           // surrogate: ED alone, then two strays
      {"\xF4\x90\x80\x80", r + r + r + r, 4},  // above U+10FFFF
      {"\xC0\xAF", r + r, 2},                  // overlong
      {"\xE2\x82", r, 1},                      // truncated: one maximal subpart
      {"\xE2\x82" "A", r + "A", 1},
      {"\xF0\x9F\x98" "\xF0\x9F\x98\x80", r + "\xF0\x9F\x98\x80", 1},
      {"caf\xC3\xA9", "caf\xC3\xA9", 0},
      {"\xEF\xBF\xBD", r, 0},                  // a real U+FFFD is not a replacement
  };
  for (const ReplaceCase& c : cases) {
    std::size_t replaced = 99;
    EXPECT_EQ(to_valid_utf8(c.input, Utf8Policy::replace, &replaced), c.expected);
    EXPECT_EQ(replaced, c.replacements);
    std::size_t replaced32 = 99;
    EXPECT_EQ(encode_utf8(decode_utf8(c.input, Utf8Policy::replace, &replaced32)), c.expected);
    EXPECT_EQ(replaced32, c.replacements);
  }
}

// All strings of 1 to 4 bytes over 27 bytes chosen at every boundary of table 3-7 (551,880
// strings), against answers computed once with CPython 3.11:
//   replace:  FNV-1a 64 of each  b.decode("utf-8", "replace").encode() + b"\xff"
//   strict:   FNV-1a 64 of each  bytes([e.start, e.end]) of the UnicodeDecodeError, b"\xfe\xfe"
//             when the string is well-formed (Python's start/end span the maximal subpart)
TEST(Utf8, AgreesWithPythonOnEveryShortSequenceOfBoundaryBytes) {
  const std::vector<unsigned char> bytes = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                            0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
                                            0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFF};
  std::uint64_t replace_hash = 0xcbf29ce484222325ull, strict_hash = 0xcbf29ce484222325ull;
  const auto fnv = [](std::uint64_t& h, std::string_view data) {
    for (const char c : data) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  };
  std::size_t strings = 0, invalid = 0, replacements = 0;
  std::vector<std::size_t> digits;
  for (std::size_t length = 1; length <= 4; ++length) {
    digits.assign(length, 0);
    while (true) {
      std::string s;
      for (const std::size_t d : digits) s.push_back(static_cast<char>(bytes[d]));
      ++strings;
      std::size_t replaced = 0;
      fnv(replace_hash, to_valid_utf8(s, Utf8Policy::replace, &replaced) + "\xFF");
      replacements += replaced;
      const std::size_t bad = find_invalid_utf8(s);
      if (bad == std::string_view::npos) {
        fnv(strict_hash, "\xFE\xFE");
      } else {
        ++invalid;
        const Utf8Step step = decode_step(s, bad);
        const char span[2] = {static_cast<char>(bad), static_cast<char>(bad + step.length)};
        fnv(strict_hash, std::string_view(span, 2));
      }
      std::size_t k = length;  // next string in lexicographic order of digit indices
      while (k > 0 && ++digits[k - 1] == bytes.size()) digits[--k] = 0;
      if (k == 0) break;
    }
  }
  EXPECT_EQ(strings, 551880u);
  EXPECT_EQ(invalid, 549300u);
  EXPECT_EQ(replacements, 1754916u);
  EXPECT_EQ(replace_hash, 0xca94a774a18cefefull);
  EXPECT_EQ(strict_hash, 0x41d1de5701e1e2adull);
}

TEST(Utf8, CodePointLabels) {
  EXPECT_EQ(code_point_label(0x41), "U+0041");
  EXPECT_EQ(code_point_label(0x1F600), "U+1F600");
  EXPECT_EQ(code_point_label(0x10FFFF), "U+10FFFF");
}

}  // namespace
}  // namespace tessera::text
