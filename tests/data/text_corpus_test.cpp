// The language model's text plumbing: documents, token streams, position splits, the seeded
// training windows and the evaluation windows that score every token exactly once.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "support/temp_dir.h"
#include "tessera/core/error.h"
#include "tessera/data/text_corpus.h"
#include "tessera/text/char_tokenizer.h"

using namespace tessera::data;

TEST(EvaluationWindows, ScoreEveryTokenButTheFirstExactlyOnce) {
  for (const std::int64_t size : {2, 3, 10, 64, 65, 100, 257}) {
    for (const std::int64_t context : {1, 4, 16, 64}) {
      for (const std::int64_t stride : {0, 1, 3, 16, 64, 1000}) {
        std::map<std::int64_t, int> scored;
        for (const auto& w : evaluation_windows(size, context, stride)) {
          ASSERT_GE(w.start, 0);
          ASSERT_LE(w.length, context);
          ASSERT_LE(w.start + w.length, size - 1) << "a target past the end";
          ASSERT_GE(w.first_scored, w.start + 1);
          for (std::int64_t t = w.first_scored; t <= w.start + w.length; ++t) ++scored[t];
        }
        ASSERT_EQ(static_cast<std::int64_t>(scored.size()), size - 1) << size << " " << context << " " << stride;
        for (const auto& [position, times] : scored) {
          ASSERT_EQ(times, 1) << "position " << position << " size " << size << " context " << context;
          ASSERT_GE(position, 1);
        }
      }
    }
  }
  EXPECT_TRUE(evaluation_windows(1, 8, 0).empty());
  // Non-overlapping by default: 1 + 4 windows of 4 over 17 tokens.
  const auto windows = evaluation_windows(17, 4, 0);
  ASSERT_EQ(windows.size(), 4u);
  EXPECT_EQ(windows[1].start, 4);
  EXPECT_EQ(windows[1].first_scored, 5);
}

TEST(RandomWindows, DeterministicInRangeAndVaried) {
  const auto a = random_window_starts(1000, 65, 64, 7, 3, 11);
  EXPECT_EQ(a, random_window_starts(1000, 65, 64, 7, 3, 11));
  EXPECT_NE(a, random_window_starts(1000, 65, 64, 7, 3, 12));
  EXPECT_NE(a, random_window_starts(1000, 65, 64, 8, 3, 11));
  for (auto s : a) {
    EXPECT_GE(s, 0);
    EXPECT_LE(s, 1000 - 65);
  }
  EXPECT_EQ(random_window_starts(65, 65, 3, 0, 0, 0), (std::vector<std::int64_t>{0, 0, 0}));
  EXPECT_THROW(random_window_starts(64, 65, 1, 0, 0, 0), tessera::UserError);
}

TEST(SequentialWindows, WalkTheTextInOrderAndWrap) {
  // 100 tokens, windows of 11: starts 0..89. Stride 10, batches of 4, 3 steps per epoch.
  EXPECT_EQ(sequential_window_starts(100, 11, 4, 10, 3, 1, 0), (std::vector<std::int64_t>{0, 10, 20, 30}));
  EXPECT_EQ(sequential_window_starts(100, 11, 4, 10, 3, 1, 1), (std::vector<std::int64_t>{40, 50, 60, 70}));
  EXPECT_EQ(sequential_window_starts(100, 11, 4, 10, 3, 1, 2), (std::vector<std::int64_t>{80, 0, 10, 20}));  // 90 % 90
  // Epoch 2 continues where epoch 1 stopped (window 12 onwards): a pure function of (epoch, step).
  EXPECT_EQ(sequential_window_starts(100, 11, 4, 10, 3, 2, 0), (std::vector<std::int64_t>{30, 40, 50, 60}));
  EXPECT_THROW(sequential_window_starts(10, 11, 1, 1, 1, 1, 0), tessera::UserError);
}

TEST(TextCorpus, FolderDocumentsJoinedByEndOfText) {
  tessera::testing::TempDir dir("corpus");
  std::ofstream(dir / "b.txt") << "hi";
  std::ofstream(dir / "a.txt") << "안녕";
  std::filesystem::create_directories(dir / ".git");
  std::ofstream(dir / ".git" / "x") << "not text";
  std::ofstream(dir / "empty.txt");
  const auto documents = read_documents(dir.path());
  ASSERT_EQ(documents, (std::vector<std::string>{"안녕", "hi"}));
  const auto tokenizer = tessera::text::CharTokenizer::from_corpus("안녕hi");
  const TokenStream stream = tokenize_documents(documents, tokenizer);
  ASSERT_EQ(stream.tokens.size(), 5u);
  EXPECT_EQ(stream.tokens[2], tokenizer.eot_id());
  EXPECT_EQ(stream.characters, 4);
  EXPECT_EQ(stream.bytes, 8);
  EXPECT_THROW(read_documents(dir / "missing"), tessera::UserError);
  EXPECT_THROW(read_documents(dir / "empty.txt"), tessera::UserError);
}

TEST(TextCorpus, SplitByPositionKeepsOrder) {
  TokenStream stream;
  for (int i = 0; i < 100; ++i) stream.tokens.push_back(i);
  stream.characters = 100;
  const auto [train, val] = split_by_position(stream, 0.1, 5);
  EXPECT_EQ(train.tokens.size(), 90u);
  EXPECT_EQ(val.tokens.front(), 90);
  EXPECT_EQ(train.characters + val.characters, 100);
  EXPECT_THROW(split_by_position(stream, 0.02, 5), tessera::UserError);  // 2 tokens cannot hold a window
}
