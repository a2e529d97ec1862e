// Stop strings across token boundaries, held-back text and whole UTF-8 characters while
// streaming, fed with hand-made token bytes (no model).
#include "tessera/infer/generated_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tessera/infer/next_tokens.h"
#include "tessera/text/bpe_tokenizer.h"
#include "tessera/text/utf8.h"

namespace tessera::infer {
namespace {

// What push() returned for each token, then what finish() returned.
std::vector<std::string> stream(GeneratedText& text, const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  for (const auto& token : tokens) out.push_back(text.push(token));
  out.push_back(text.finish());
  return out;
}

std::string joined(const std::vector<std::string>& chunks) {
  std::string all;
  for (const auto& chunk : chunks) all += chunk;
  return all;
}

TEST(GeneratedText, WithoutStopStringsTextComesOutAtOnce) {
  GeneratedText text({});
  EXPECT_EQ(stream(text, {"Hel", "lo", "!"}), (std::vector<std::string>{"Hel", "lo", "!", ""}));
  EXPECT_FALSE(text.stopped());
}

TEST(GeneratedText, StopStringSpanningTokensIsNotPrinted) {
  GeneratedText text({"o, w"});
  EXPECT_EQ(text.push("Hel"), "Hel");
  EXPECT_EQ(text.push("lo, wo"), "l");  // "Hello, wo" holds "o, w" at 4
  EXPECT_TRUE(text.stopped());
  EXPECT_EQ(text.push("rld"), "");
  EXPECT_EQ(text.finish(), "");
  EXPECT_EQ(text.bytes(), "Hello, wo");
}

TEST(GeneratedText, APossibleStartOfAStopStringIsHeldBack) {
  GeneratedText settled({"END"});
  // "E", then "EN" could begin END; "x" settles it.
  EXPECT_EQ(stream(settled, {"abE", "N", "x"}), (std::vector<std::string>{"ab", "", "ENx", ""}));
  GeneratedText stopped({"END"});
  EXPECT_EQ(stream(stopped, {"abE", "N", "D", "more"}), (std::vector<std::string>{"ab", "", "", "", ""}));
  EXPECT_TRUE(stopped.stopped());
  GeneratedText at_the_end({"END"});  // generation ends with a held-back "EN": it is printed
  EXPECT_EQ(joined(stream(at_the_end, {"abEN"})), "abEN");
}

TEST(GeneratedText, StopStringsOneCharacterPerTokenAndTheEarliestWins) {
  GeneratedText text({"\n\n", "dx"});
  EXPECT_EQ(joined(stream(text, {"a", "b", "\n", "c", "d", "\n", "\n", "e"})), "ab\ncd");
  GeneratedText overlapping({"bcde", "cd"});  // both in "abcdef": "bcde" starts first
  EXPECT_EQ(joined(stream(overlapping, {"abcdef"})), "a");
  GeneratedText empty_stop({""});  // ignored, not "stop at once"
  EXPECT_EQ(joined(stream(empty_stop, {"ab"})), "ab");
}

TEST(GeneratedText, ByteTokensThatSplitKoreanCharactersStreamWholeCharacters) {
  // 한 ED 95 9C, 국 EA B5 AD, 어 EC 96 B4. The merges cut each character between two tokens:
  // [ED 95][9C], [EA][B5 AD], [EC 96][B4].
  const text::BpeTokenizer tokenizer({{0xED, 0x95}, {0xB5, 0xAD}, {0xEC, 0x96}}, text::TextPolicy{});
  const std::string korean = "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4";
  const auto ids = tokenizer.encode(korean);
  ASSERT_EQ(ids.size(), 13u);
  std::vector<std::string> tokens;
  for (const auto id : ids) tokens.push_back(tokenizer.token_bytes(id));
  EXPECT_FALSE(text::is_valid_utf8(tokens[0])) << "the test needs tokens that end inside a character";

  GeneratedText text({});
  const auto chunks = stream(text, tokens);
  for (const auto& chunk : chunks) EXPECT_TRUE(text::is_valid_utf8(chunk)) << chunk;
  EXPECT_EQ(chunks[0], "");                  // ED 95 alone is half of 한
  EXPECT_EQ(chunks[1], "\xED\x95\x9C");      // 9C completes it
  EXPECT_EQ(joined(chunks), korean);
  EXPECT_EQ(text.replacements(), 0u);

  // A Korean stop string whose bytes start inside a token: "국어" begins at EA, the second half
  // of nothing printed yet.
  GeneratedText stopped({"\xEA\xB5\xAD\xEC\x96\xB4"});
  const auto before_stop = stream(stopped, tokens);
  for (const auto& chunk : before_stop) EXPECT_TRUE(text::is_valid_utf8(chunk));
  EXPECT_EQ(joined(before_stop), "\xED\x95\x9C");
}

TEST(GeneratedText, IllFormedBytesBecomeReplacementCharacters) {
  GeneratedText text({});
  const auto chunks = stream(text, {"a\xFF", "b\xED\x95"});  // a stray byte, then a truncated 한
  for (const auto& chunk : chunks) EXPECT_TRUE(text::is_valid_utf8(chunk));
  EXPECT_EQ(joined(chunks), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(text.replacements(), 2u);
}

TEST(GeneratedText, StopStringEscapesFromTheCommandLine) {
  EXPECT_EQ(unescape_stop_string("\\n\\n"), "\n\n");
  EXPECT_EQ(unescape_stop_string("a\\tb\\r\\\\n"), "a\tb\r\\n");
  EXPECT_EQ(unescape_stop_string("C:\\x"), "C:\\x");  // not an escape: kept
  EXPECT_EQ(unescape_stop_string("end\\"), "end\\");
}

TEST(NextTokens, VisibleTokenShowsWhitespace) {
  EXPECT_EQ(visible_token(" the"), "\u2420the");
  EXPECT_EQ(visible_token("\n\t\r"), "\\n\\t\\r");
  EXPECT_EQ(visible_token("a\\b"), "a\\\\b");
  EXPECT_EQ(visible_token("\x1b"), "\\x1b");
  EXPECT_EQ(visible_token("<0xEC>\xED\x95\x9C"), "<0xEC>\xED\x95\x9C");
}

}  // namespace
}  // namespace tessera::infer
