#include "tessera/text/char_tokenizer.h"

#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include "support/temp_dir.h"
#include "tessera/core/error.h"
#include "tessera/text/normalize.h"
#include "tessera/text/utf8.h"

namespace tessera::text {
namespace {

using Ids = std::vector<std::int32_t>;

const std::string kEnglish = "The quick brown fox jumps over the lazy dog.\nPack my box with five dozen liquor jugs!";
const std::string kKoreanNfc = encode_utf8(U"\uD55C\uAD6D\uC5B4 \uBB38\uC7A5");  // 한국어 문장
const std::string kKoreanJamo =  // the same text as conjoining jamo (NFD)
    encode_utf8(U"\u1112\u1161\u11AB\u1100\u116E\u11A8\u110B\u1165 \u1106\u116E\u11AB\u110C\u1161\u11BC");
const std::string kEmoji = encode_utf8(U"family \U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466, "
                                       U"flag \U0001F1F0\U0001F1F7, thumbs \U0001F44D\U0001F3FD");
const std::string kCrlf = "line one\r\nline two\r\n\r\nend\r\n";

TEST(CharTokenizer, VocabularyIsSortedCodePointsThenSpecials) {
  const CharTokenizer tok = CharTokenizer::from_corpus("banana\n");
  EXPECT_EQ(tok.vocab_size(), 4 + 3);  // '\n' 'a' 'b' 'n' + 3 specials
  EXPECT_EQ(tok.token_text(0), "\n");
  EXPECT_EQ(tok.token_text(1), "a");
  EXPECT_EQ(tok.token_text(2), "b");
  EXPECT_EQ(tok.token_text(3), "n");
  EXPECT_EQ(tok.eot_id(), 4);
  EXPECT_EQ(tok.pad_id(), 5);
  EXPECT_EQ(tok.unk_id(), 6);
  EXPECT_EQ(tok.token_text(4), "<|endoftext|>");
  EXPECT_EQ(tok.token_text(5), "<|pad|>");
  EXPECT_EQ(tok.token_text(6), "<unk>");
  EXPECT_EQ(tok.encode("banana"), (Ids{2, 1, 3, 1, 3, 1}));
  EXPECT_TRUE(tok.is_special(6));
  EXPECT_FALSE(tok.is_special(3));
}

TEST(CharTokenizer, RoundTrips) {
  const std::string corpus = kEnglish + kKoreanNfc + kEmoji + kCrlf;
  const CharTokenizer tok = CharTokenizer::from_corpus(corpus);
  for (const std::string& text : {kEnglish, kKoreanNfc, kEmoji, kCrlf}) {
    EXPECT_EQ(tok.decode(tok.encode(text)), text);
  }
  // One id per code point: CRLF is two tokens, the ZWJ family seven, a flag two.
  EXPECT_EQ(tok.encode("\r\n").size(), 2u);
  EXPECT_EQ(tok.encode(encode_utf8(U"\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466")).size(), 7u);
  EXPECT_EQ(tok.encode(kKoreanNfc).size(), 6u);
}

TEST(CharTokenizer, DecomposedKoreanGivesTheSameIdsAsPrecomposed) {
  const CharTokenizer tok = CharTokenizer::from_corpus(kKoreanJamo);  // the corpus itself in jamo
  EXPECT_EQ(tok.vocab_size(), 6 + 3);  // 5 syllables + space after NFC, not 13 jamo + space
  const Ids ids = tok.encode(kKoreanNfc);
  EXPECT_EQ(tok.encode(kKoreanJamo), ids);
  EXPECT_EQ(tok.decode(ids), kKoreanNfc);  // decoding gives the NFC form

  // Without normalisation the jamo stay separate tokens and precomposed text is unknown.
  const CharTokenizer raw = CharTokenizer::from_corpus(kKoreanJamo, {{Normalization::none, MalformedInput::error}});
  EXPECT_EQ(raw.vocab_size(), 12 + 3);  // 11 distinct jamo and the space
  EXPECT_EQ(raw.decode(raw.encode(kKoreanJamo)), kKoreanJamo);
  EXPECT_THROW(raw.encode(kKoreanNfc), DecodeError);
}

// Every Unicode scalar value U+0000..U+10FFFF except the surrogates, through a tokenizer built
// over all of them.
TEST(CharTokenizer, EveryCodePointRoundTrips) {
  std::u32string all;
  for (char32_t cp = 0; cp <= kMaxCodePoint; ++cp) {
    if (cp < 0xD800 || cp > 0xDFFF) all.push_back(cp);
  }
  ASSERT_EQ(all.size(), 1112064u);
  const std::string text = encode_utf8(all);

  const CharTokenizer raw = CharTokenizer::from_corpus(text, {{Normalization::none, MalformedInput::error}});
  ASSERT_EQ(raw.vocab_size(), 1112064 + 3);
  const Ids ids = raw.encode(text);
  Ids expected(all.size());
  std::iota(expected.begin(), expected.end(), 0);  // sorted vocabulary: code point k has id k
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(raw.decode(ids), text);
  // The vocabulary file holds every one of them (controls, U+2028, noncharacters) exactly.
  testing::TempDir dir("allcp");
  raw.save(dir / "tokenizer.json");
  const CharTokenizer loaded = CharTokenizer::load(dir / "tokenizer.json");
  EXPECT_EQ(loaded.to_json(), raw.to_json());
  EXPECT_EQ(loaded.encode(text), ids);

  // With NFC, text round-trips to its NFC form, and characters NFC never produces (U+212B
  // ANGSTROM SIGN becomes U+00C5) are not in the vocabulary.
  const CharTokenizer nfc = CharTokenizer::from_corpus(text);
  const std::string normalised = normalize_nfc(text);
  EXPECT_EQ(nfc.decode(nfc.encode(text)), normalised);
  EXPECT_LT(nfc.vocab_size(), raw.vocab_size());
  EXPECT_FALSE(nfc.id_of(0x212B).has_value());
  EXPECT_TRUE(nfc.id_of(0x00C5).has_value());
}

TEST(CharTokenizer, UnknownCharacterPolicies) {
  const std::string corpus = "abc";
  const std::string text = "ab" + encode_utf8(U"\u00E9") + "c" + encode_utf8(U"\U0001F600");  // é at byte 2

  const CharTokenizer strict = CharTokenizer::from_corpus(corpus);
  try {
    strict.encode(text);
    FAIL() << "an unknown character must throw under unknown_characters: error";
  } catch (const DecodeError& e) {
    EXPECT_STREQ(e.what(), "character U+00E9 at byte offset 2 is not in the vocabulary (unknown_characters: error)");
  }

  const CharTokenizer unk = CharTokenizer::from_corpus(corpus, {{}, UnknownCharacter::unk});
  EncodeReport report;
  EXPECT_EQ(unk.encode(text, &report), (Ids{0, 1, unk.unk_id(), 2, unk.unk_id()}));
  EXPECT_EQ(report.unknown_characters, 2u);
  EXPECT_EQ(report.skipped_characters, 0u);
  EXPECT_EQ(unk.decode(unk.encode(text)), "ab<unk>c<unk>");

  const CharTokenizer skip = CharTokenizer::from_corpus(corpus, {{}, UnknownCharacter::skip});
  EncodeReport skipped;
  EXPECT_EQ(skip.encode(text, &skipped), (Ids{0, 1, 2}));
  EXPECT_EQ(skipped.unknown_characters, 2u);
  EXPECT_EQ(skipped.skipped_characters, 2u);
}

TEST(CharTokenizer, MalformedInputPolicies) {
  const CharTokenizer strict = CharTokenizer::from_corpus("abc");
  try {
    strict.encode("ab\xC0\xAF");
    FAIL() << "ill-formed UTF-8 must throw under malformed_utf8: error";
  } catch (const DecodeError& e) {
    EXPECT_STREQ(e.what(), "invalid UTF-8 at byte offset 2: overlong encoding of U+002F (bytes C0 AF)");
  }

  // replace: the corpus' own ill-formed bytes become U+FFFD, a character of the vocabulary.
  CharTokenizerOptions replacing;
  replacing.text.malformed = MalformedInput::replace;
  EncodeReport built;
  const CharTokenizer tok = CharTokenizer::from_corpus("ab\xFF" "c", replacing, &built);
  EXPECT_EQ(built.replaced_sequences, 1u);
  ASSERT_TRUE(tok.id_of(kReplacementCharacter).has_value());
  EncodeReport report;
  const Ids ids = tok.encode("a\xF0\x80\x80" "b", &report);  // three maximal subparts
  EXPECT_EQ(report.replaced_sequences, 3u);
  EXPECT_EQ(tok.decode(ids), "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b");

  CharTokenizerOptions keep;
  keep.text.malformed = MalformedInput::keep_bytes;
  EXPECT_THROW(CharTokenizer::from_corpus("abc", keep), UserError);
}

TEST(CharTokenizer, SpecialTokenTextIsOrdinaryText) {
  const CharTokenizer tok = CharTokenizer::from_corpus("<|endoftext|>");
  const Ids ids = tok.encode("<|endoftext|>");
  EXPECT_EQ(ids.size(), 13u);  // characters, never the special id
  for (const auto id : ids) EXPECT_FALSE(tok.is_special(id));
  const Ids with_eot = {tok.eot_id()};
  EXPECT_EQ(tok.decode(with_eot), "<|endoftext|>");
}

TEST(CharTokenizer, RejectsIdsOutsideTheVocabulary) {
  const CharTokenizer tok = CharTokenizer::from_corpus("ab");
  const Ids bad = {0, 5};
  try {
    tok.decode(bad);
    FAIL() << "id 5 is outside a vocabulary of 5";
  } catch (const UserError& e) {
    EXPECT_STREQ(e.what(), "token id 5 is outside the vocabulary [0, 5)");
  }
  EXPECT_THROW(tok.token_text(-1), UserError);
}

}  // namespace
}  // namespace tessera::text
