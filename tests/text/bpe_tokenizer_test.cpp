#include "tessera/text/bpe_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tessera/core/error.h"
#include "tessera/text/bpe_trainer.h"
#include "tessera/text/utf8.h"
#include "tessera/text/utf8_stream.h"

namespace tessera::text {
namespace {

using Ids = std::vector<std::int32_t>;
using Merges = std::vector<BpeTokenizer::Merge>;

const std::string kEnglish =
    "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.\n"
    "Pack my box with five dozen liquor jugs! Then the fox jumps again, and the dog barks.\r\n";
const std::string kKorean = encode_utf8(U"\uD55C\uAD6D\uC5B4 \uBB38\uC7A5\uC785\uB2C8\uB2E4.");  // 한국어 문장입니다.
const std::string kKoreanJamo = encode_utf8(
    U"\u1112\u1161\u11AB\u1100\u116E\u11A8\u110B\u1165 \u1106\u116E\u11AB\u110C\u1161\u11BC\u110B\u1175\u11B8"
    U"\u1102\u1175\u1103\u1161.");
const std::string kEmoji = encode_utf8(U"family \U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 "
                                       U"flag \U0001F1F0\U0001F1F7 ok \U0001F44D\U0001F3FD");
const std::string kCrlf = "first line\r\nsecond line\r\n\r\nlast\r\n";

BpeTrainOptions options_with_vocab(std::int32_t vocab_size) {
  BpeTrainOptions options;
  options.vocab_size = vocab_size;
  return options;
}

TEST(BpeTokenizer, EncodeAppliesMergesByRankLeftToRight) {
  // Ranks: 0 a+a, 1 aa+a. "aaaaa": a+a everywhere first, left to right (aa aa a), then aa+a.
  const BpeTokenizer tok(Merges{{'a', 'a'}, {256, 'a'}}, TextPolicy{});
  EXPECT_EQ(tok.encode_pretoken("aaaaa"), (Ids{256, 257}));
  EXPECT_EQ(tok.encode_pretoken("aaa"), (Ids{257}));
  EXPECT_EQ(tok.encode_pretoken("a"), (Ids{'a'}));
  EXPECT_EQ(tok.encode_pretoken(""), (Ids{}));
  // A long run (one pre-token) stays fast and exact: 10001 a's become 5000 "aa" and one "a"
  // by rank 0, then rank 1 joins only the last pair: 4999 x "aa" + "aaa".
  const Ids long_run = tok.encode_pretoken(std::string(10001, 'a'));
  ASSERT_EQ(long_run.size(), 5000u);
  EXPECT_EQ(long_run.front(), 256);
  EXPECT_EQ(long_run.back(), 257);
  EXPECT_EQ(tok.decode(long_run), std::string(10001, 'a'));
}

TEST(BpeTokenizer, RoundTripsAfterTraining) {
  const BpeTokenizer tok = train_bpe(kEnglish + kKorean + kEmoji + kCrlf, options_with_vocab(400));
  for (const std::string& text : {kEnglish, kKorean, kEmoji, kCrlf}) {
    const Ids ids = tok.encode(text);
    EXPECT_EQ(tok.decode(ids), text);
    EXPECT_LT(ids.size(), text.size()) << "merges should shorten text the tokenizer was trained on";
  }
  // Text it never saw still round-trips: any byte is a token.
  const std::string unseen = encode_utf8(U"Ελληνικά, русский, العربية, \U0001F9EC\u2764\uFE0F");
  EXPECT_EQ(tok.decode(tok.encode(unseen)), unseen);
  // CRLF is kept byte for byte.
  EXPECT_EQ(tok.decode(tok.encode("a\r\nb\r\n")), "a\r\nb\r\n");
}

TEST(BpeTokenizer, DecomposedKoreanGivesTheSameIdsAsPrecomposed) {
  const BpeTokenizer tok = train_bpe(kKoreanJamo + " " + kKoreanJamo, options_with_vocab(300));
  const Ids ids = tok.encode(kKorean);
  EXPECT_EQ(tok.encode(kKoreanJamo), ids);
  EXPECT_EQ(tok.decode(ids), kKorean);
  // Trained on Korean, a syllable (3 bytes) costs less than 3 tokens.
  EXPECT_LT(ids.size(), kKorean.size() / 2);
}

TEST(BpeTokenizer, EveryByteRoundTrips) {
  BpeTrainOptions options = options_with_vocab(300);
  options.text.malformed = MalformedInput::keep_bytes;
  const BpeTokenizer tok = train_bpe(kEnglish, options);
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    all_bytes += one;
    EXPECT_EQ(tok.token_bytes(b), one);
    const Ids ids = tok.encode(one);
    ASSERT_EQ(ids, (Ids{b})) << "byte " << b;
    EXPECT_EQ(tok.decode(ids), one);
  }
  EncodeReport report;
  const Ids ids = tok.encode(all_bytes, &report);
  EXPECT_EQ(tok.decode(ids), all_bytes);
  EXPECT_EQ(report.kept_bytes, 128u);  // 0x80..0xFF are ill-formed on their own
  // Only the well-formed runs are normalised: e + U+0301 composes, the lone 0xFF stays.
  EXPECT_EQ(tok.decode(tok.encode("e\xCC\x81\xFF")), "\xC3\xA9\xFF");
}

TEST(BpeTokenizer, MalformedInputUnderErrorAndReplace) {
  const BpeTokenizer strict = train_bpe(kEnglish, options_with_vocab(300));
  try {
    strict.encode("abc\xED\xA0\x80");
    FAIL() << "a surrogate must throw under malformed_utf8: error";
  } catch (const DecodeError& e) {
    EXPECT_STREQ(e.what(), "invalid UTF-8 at byte offset 3: UTF-16 surrogate U+D800 (bytes ED A0 80)");
  }
  BpeTrainOptions options = options_with_vocab(300);
  options.text.malformed = MalformedInput::replace;
  const BpeTokenizer replacing = train_bpe(kEnglish, options);
  EncodeReport report;
  EXPECT_EQ(replacing.decode(replacing.encode("a\xF4\x90\x80\x80" "b", &report)),
            "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b");
  EXPECT_EQ(report.replaced_sequences, 4u);
}

TEST(BpeTokenizer, DisplaysPartialCharactersAsBytes) {
  // 한 is ED 95 9C. Merges: ED+95 (256), then 256+9C (257).
  const BpeTokenizer tok(Merges{{0xED, 0x95}, {256, 0x9C}, {'a', 0xED}}, TextPolicy{});
  EXPECT_EQ(tok.decode_token_display(0xEC), "<0xEC>");
  EXPECT_EQ(tok.decode_token_display('A'), "A");
  EXPECT_EQ(tok.decode_token_display(256), "<0xED><0x95>");
  EXPECT_EQ(tok.decode_token_display(257), encode_utf8(U"\uD55C"));
  EXPECT_EQ(tok.decode_token_display(258), "a<0xED>");
  EXPECT_EQ(tok.decode_token_display(tok.eot_id()), "<|endoftext|>");
  EXPECT_EQ(tok.token_bytes(256), "\xED\x95");
}

TEST(BpeTokenizer, StreamingDecodeNeverSplitsACharacter) {
  // Trained on English only: Korean and emoji come out as byte tokens that cut characters.
  const BpeTokenizer tok = train_bpe(kEnglish, options_with_vocab(320));
  const std::string text = kEnglish + kKorean + kEmoji;
  const Ids ids = tok.encode(text);
  Utf8StreamDecoder stream;
  std::string shown;
  std::size_t held_back = 0;
  for (const std::int32_t id : ids) {
    const std::string piece = stream.push(tok.token_bytes(id));
    ASSERT_TRUE(is_valid_utf8(piece));
    if (stream.pending_bytes() > 0) ++held_back;
    shown += piece;
  }
  shown += stream.flush();
  EXPECT_EQ(shown, text);
  EXPECT_GT(held_back, 10u) << "the test needs tokens that end inside a character";
}

TEST(BpeTokenizer, SpecialTokensOnlyByIdAndRangeChecks) {
  const BpeTokenizer tok = train_bpe(kEnglish, options_with_vocab(300));
  for (const auto id : tok.encode("<|endoftext|><|pad|>")) EXPECT_FALSE(tok.is_special(id));
  const Ids ids = {'h', 'i', tok.eot_id(), tok.pad_id()};
  EXPECT_EQ(tok.decode(ids), "hi<|endoftext|><|pad|>");
  const Ids bad = {tok.vocab_size()};
  EXPECT_THROW(tok.decode(bad), UserError);
  EXPECT_THROW(BpeTokenizer(Merges{{'a', 256}}, TextPolicy{}), UserError);  // 256 does not exist yet
  EXPECT_THROW(BpeTokenizer(Merges{{'a', 'b'}, {'a', 'b'}}, TextPolicy{}), UserError);
}

// Loader threads share one tokenizer: the pre-token cache must not change any result.
TEST(BpeTokenizer, ConcurrentEncodingMatchesSerial) {
  const BpeTokenizer shared = train_bpe(kEnglish + kKorean + kEmoji, options_with_vocab(360));
  const BpeTokenizer fresh = train_bpe(kEnglish + kKorean + kEmoji, options_with_vocab(360));
  const std::vector<std::string> texts = {kEnglish, kKorean + kEmoji, kCrlf + kEnglish, kEmoji + kKoreanJamo};
  std::vector<Ids> expected;
  for (const auto& t : texts) expected.push_back(fresh.encode(t));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const std::size_t k = static_cast<std::size_t>(t + round) % texts.size();
        if (shared.encode(texts[k]) != expected[k]) ++mismatches[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0, 0, 0}));
}

}  // namespace
}  // namespace tessera::text
