#include "tessera/text/utf8_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tessera/core/error.h"

namespace tessera::text {
namespace {

// Text with 1-, 2-, 3- and 4-byte characters, CRLF, a ZWJ emoji sequence and decomposed jamo.
const std::string kMixed =
    "Hello, w\xC3\xB6rld!\r\n"                                   // ö
    "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 "                       // 한국어
    "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB "                       // 한 as conjoining jamo
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 "  // 👨‍👩‍👧
    "\xE2\x82\xAC 100";                                           // € 100

// Ill-formed sequences of every kind between well-formed text.
const std::string kBroken = "a\xF0\x80\x80" "b\xED\xA0\x80" "c\xC0\xAF" "d\xE2\x82" "e\xF4\x90\x80\x80" "f\xFF" "g\xE2\x82";

std::string feed_bytewise(Utf8StreamDecoder& decoder, const std::string& bytes) {
  std::string out;
  for (const char c : bytes) {
    const std::string piece = decoder.push(std::string_view(&c, 1));
    EXPECT_TRUE(is_valid_utf8(piece));
    out += piece;
  }
  return out + decoder.flush();
}

TEST(Utf8Stream, OneByteAtATimeEqualsWholeDecode) {
  Utf8StreamDecoder decoder(Utf8Policy::error);
  EXPECT_EQ(feed_bytewise(decoder, kMixed), kMixed);
  EXPECT_EQ(decoder.replacements(), 0u);
}

TEST(Utf8Stream, NeverSplitsACharacter) {
  Utf8StreamDecoder decoder;
  EXPECT_EQ(decoder.push("\xF0\x9F"), "");  // half of 😀: held back
  EXPECT_EQ(decoder.pending_bytes(), 2u);
  EXPECT_EQ(decoder.push("\x98"), "");
  EXPECT_EQ(decoder.pending_bytes(), 3u);
  EXPECT_EQ(decoder.push("\x80!"), "\xF0\x9F\x98\x80!");
  EXPECT_EQ(decoder.pending_bytes(), 0u);
  EXPECT_EQ(decoder.flush(), "");
}

TEST(Utf8Stream, ReplacementMatchesWholeDecodeForAnyChunking) {
  std::size_t whole_replacements = 0;
  const std::string whole = to_valid_utf8(kBroken + kMixed, Utf8Policy::replace, &whole_replacements);
  ASSERT_EQ(whole_replacements, 15u);  // 3 + 3 + 2 + 1 + 4 + 1 + 1, as Python counts them
  {
    Utf8StreamDecoder decoder(Utf8Policy::replace);
    EXPECT_EQ(feed_bytewise(decoder, kBroken + kMixed), whole);
    EXPECT_EQ(decoder.replacements(), whole_replacements);
  }
  std::mt19937 rng(7);
  const std::string input = kBroken + kMixed + kBroken;
  const std::string expected = to_valid_utf8(input, Utf8Policy::replace);
  for (int trial = 0; trial < 200; ++trial) {
    Utf8StreamDecoder decoder(Utf8Policy::replace);
    std::string out;
    for (std::size_t i = 0; i < input.size();) {
      const std::size_t n = std::min<std::size_t>(rng() % 6, input.size() - i);
      out += decoder.push(std::string_view(input).substr(i, n));
      i += n;
    }
    out += decoder.flush();
    ASSERT_EQ(out, expected) << "trial " << trial;
  }
}

TEST(Utf8Stream, TruncatedTailAtFlush) {
  Utf8StreamDecoder replacing(Utf8Policy::replace);
  EXPECT_EQ(replacing.push("ok\xE2\x82"), "ok");
  EXPECT_EQ(replacing.flush(), "\xEF\xBF\xBD");  // one U+FFFD for the maximal subpart E2 82
  EXPECT_EQ(replacing.replacements(), 1u);

  Utf8StreamDecoder strict(Utf8Policy::error);
  EXPECT_EQ(strict.push("ok"), "ok");
  EXPECT_EQ(strict.push("\xF0\x9F"), "");
  try {
    strict.flush();
    FAIL() << "flush of a truncated tail must throw";
  } catch (const DecodeError& e) {
    EXPECT_STREQ(e.what(), "invalid UTF-8 at byte offset 2: truncated 4-byte sequence at end of input (bytes F0 9F)");
  }
}

TEST(Utf8Stream, ErrorOffsetCountsTheWholeStream) {
  Utf8StreamDecoder decoder(Utf8Policy::error);
  EXPECT_EQ(decoder.push("abc\xE2"), "abc");
  EXPECT_EQ(decoder.push("\x82\xAC" "de"), "\xE2\x82\xAC" "de");  // bytes 3..7
  try {
    decoder.push("f\xED\xA0\x80");  // the surrogate starts at stream offset 9
    FAIL() << "a surrogate must throw";
  } catch (const DecodeError& e) {
    EXPECT_STREQ(e.what(), "invalid UTF-8 at byte offset 9: UTF-16 surrogate U+D800 (bytes ED A0 80)");
  }
}

TEST(Utf8Stream, IllFormedBytesAreNotHeldBack) {
  // E2 followed by 'A' can never complete: it is settled at once, not at flush().
  Utf8StreamDecoder decoder(Utf8Policy::replace);
  EXPECT_EQ(decoder.push("\xE2" "A"), "\xEF\xBF\xBD" "A");
  EXPECT_EQ(decoder.pending_bytes(), 0u);
  EXPECT_EQ(decoder.push("\x80"), "\xEF\xBF\xBD");  // a stray continuation byte is certain at once
}

}  // namespace
}  // namespace tessera::text
