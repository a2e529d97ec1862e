// BPE on a real corpus: the 2.6 MB of English in the Debian package `fortunes`
// (/usr/share/games/fortunes), trained to the vocabulary size the language-model configs use.
// Skipped when the package is not installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tessera/core/atomic_file.h"
#include "tessera/text/bpe_trainer.h"

namespace tessera::text {
namespace {

std::string read_fortunes() {
  const std::filesystem::path dir = "/usr/share/games/fortunes";
  if (!std::filesystem::is_directory(dir)) return {};
  std::vector<std::filesystem::path> files;  // the text files; *.dat are indexes, *.u8 links
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && !entry.is_symlink() && ext != ".dat" && ext != ".u8") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string corpus;
  for (const auto& f : files) corpus += read_file(f);
  return corpus;
}

TEST(BpeFortunes, TrainsVocab4096QuicklyAndRoundTrips) {
  const std::string corpus = read_fortunes();
  if (corpus.size() < 1000000) GTEST_SKIP() << "Debian package `fortunes` not installed";

  BpeTrainOptions options;
  options.vocab_size = 4096;
  const auto start = std::chrono::steady_clock::now();
  const BpeTokenizer tok = train_bpe(corpus, options);
  const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const auto encode_start = std::chrono::steady_clock::now();
  const std::vector<std::int32_t> ids = tok.encode(corpus);
  const double encode_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - encode_start).count();
  const double bytes_per_token = static_cast<double>(corpus.size()) / static_cast<double>(ids.size());
  std::printf("fortunes: %zu bytes, vocab %d, train %.2f s, encode %.2f s, %.2f bytes/token\n", corpus.size(),
              tok.vocab_size(), train_s, encode_s, bytes_per_token);
  RecordProperty("train_seconds", std::to_string(train_s));
  RecordProperty("bytes_per_token", std::to_string(bytes_per_token));

  EXPECT_EQ(tok.vocab_size(), 4096);
  EXPECT_EQ(tok.decode(ids), corpus);
  // Hugging Face `tokenizers` 0.23.3 (ByteLevel BPE, vocab 4096 with the same 2 special tokens,
  // min_frequency 2) trained on the same files encodes them at 2.943 bytes/token; tie-breaking
  // differs, so allow +-1.5%.
  EXPECT_NEAR(bytes_per_token, 2.943, 0.045);
  // The target ("well under 30 s on one core"): a regression guard, not a benchmark.
  EXPECT_LT(train_s, 30.0);
}

}  // namespace
}  // namespace tessera::text
