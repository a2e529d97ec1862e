#include "tessera/text/bpe_trainer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/temp_dir.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/text/utf8.h"

namespace tessera::text {
namespace {

using Ids = std::vector<std::int32_t>;
using Merges = std::vector<BpeTokenizer::Merge>;

BpeTrainOptions options_with_vocab(std::int32_t vocab_size) {
  BpeTrainOptions options;
  options.vocab_size = vocab_size;
  return options;
}

// Worked by hand. Corpus "aaabdaaabac" (one pre-token): pair counts aa 4, ab 2, others 1.
//   1. a+a (4) -> "aa"; the word becomes aa a b d aa a b a c
//   2. tie at 2 between (aa, a) and (a, b): ("a", "b") < ("aa", "a") bytewise -> "ab"
//   3. aa ab d aa ab a c: (aa, ab) 2 -> "aaab"; every other pair occurs once (< min_pair_count 2)
TEST(BpeTrain, ClassicExampleByHand) {
  const BpeTokenizer tok = train_bpe("aaabdaaabac", options_with_vocab(4096));
  EXPECT_EQ(tok.merges(), (Merges{{'a', 'a'}, {'a', 'b'}, {256, 257}}));
  EXPECT_EQ(tok.vocab_size(), 256 + 3 + 2);  // the corpus is too small for more
  EXPECT_EQ(tok.token_bytes(258), "aaab");
  EXPECT_EQ(tok.encode("aaabdaaabac"), (Ids{258, 'd', 258, 'a', 'c'}));
  EXPECT_EQ(tok.eot_id(), 259);
  EXPECT_EQ(tok.pad_id(), 260);
}

// Chunks "xy", " xy", " ab", " ab": counts (x,y) 2, (a,b) 2, (' ',a) 2, (' ',x) 1.
//   1. three-way tie at 2: (" ", "a") is smallest -> " a"
//   2. (" a", b) 2 and (x, y) 2: " a" < "x" -> " ab"
//   3. (x, y) 2 -> "xy"; then (" ", "xy") occurs once: stop.
// A merge never crosses chunks: (b, " ") and (y, " ") are never counted.
TEST(BpeTrain, TiesGoToTheSmallestBytesAndMergesStayInsideChunks) {
  const BpeTokenizer tok = train_bpe("xy xy ab ab", options_with_vocab(4096));
  EXPECT_EQ(tok.merges(), (Merges{{' ', 'a'}, {256, 'b'}, {'x', 'y'}}));
  EXPECT_EQ(tok.encode("xy ab"), (Ids{258, 257}));
}

TEST(BpeTrain, StopsAtTheVocabularySize) {
  const BpeTokenizer tok = train_bpe("aaabdaaabac", options_with_vocab(256 + 2 + 2));
  EXPECT_EQ(tok.merges(), (Merges{{'a', 'a'}, {'a', 'b'}}));
  EXPECT_EQ(tok.vocab_size(), 260);
  BpeTrainOptions options = options_with_vocab(258);
  EXPECT_EQ(train_bpe("aaaa", options).merges().size(), 0u);
  options.vocab_size = 257;
  EXPECT_THROW(train_bpe("aaaa", options), UserError);
}

TEST(BpeTrain, MinPairCountOneMergesSingletons) {
  BpeTrainOptions options = options_with_vocab(4096);
  options.min_pair_count = 1;
  const BpeTokenizer tok = train_bpe("abc", options);
  // (a,b) and (b,c) both once: (a,b) first, then (ab, c).
  EXPECT_EQ(tok.merges(), (Merges{{'a', 'b'}, {256, 'c'}}));
  EXPECT_EQ(tok.encode("abc"), (Ids{257}));
}

// The heap and incremental counts against tests/text/bpe_reference.py, which recounts every
// pair after every merge, on mixed text (and the `fortunes` file of the Debian package when
// installed): the same merges in the same order.
TEST(BpeTrain, MatchesNaiveReferenceInPython) {
  const std::string python = TESSERA_PYTHON_EXE;
  if (python.empty() || std::system((python + " -c 'import regex' >/dev/null 2>&1").c_str()) != 0) {
    GTEST_SKIP() << "Python at '" << python << "' lacks the `regex` module";
  }
  std::string corpus;
  for (int i = 0; i < 20; ++i) {
    corpus += "The cat sat on the mat; the rat sat on the hat. It's " + std::to_string(1990 + i) + "!\r\n" +
              encode_utf8(U"\uD55C\uAD6D\uC5B4 \uD14D\uC2A4\uD2B8 \U0001F600\U0001F600 caf\u00E9 e\u0301 ") +
              std::string(i % 4 + 1, ' ') + "aaaa bbb aaab\n";
  }
  const std::filesystem::path fortunes = "/usr/share/games/fortunes/fortunes";
  if (std::filesystem::is_regular_file(fortunes)) corpus += read_file(fortunes);
  const std::int32_t vocab_size = 256 + 2 + 400;

  testing::TempDir dir("bperef");
  testing::write_text(dir / "corpus.txt", corpus);
  const std::string command = python + " '" TESSERA_SOURCE_DIR "/tests/text/bpe_reference.py' '" +
                              (dir / "corpus.txt").string() + "' " + std::to_string(vocab_size) + " '" +
                              (dir / "merges.json").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const Merges expected = nlohmann::json::parse(read_file(dir / "merges.json")).get<Merges>();
  const Merges merges = train_bpe(corpus, options_with_vocab(vocab_size)).merges();
  ASSERT_GT(expected.size(), 100u) << "the reference should learn a useful number of merges";
  ASSERT_EQ(merges.size(), expected.size());
  for (std::size_t i = 0; i < merges.size(); ++i) {
    ASSERT_EQ(merges[i], expected[i]) << "merge " << i;
  }
}

}  // namespace
}  // namespace tessera::text
