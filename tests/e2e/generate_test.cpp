// `tessera generate` and `tessera next` on a tiny language model trained through the CLI in a few
// seconds: reproducible sampling, the KV cache against full forward passes, stop strings, the
// cropping notice, JSON candidates, and one-line errors for runs that are not language models.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "e2e/cli.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

CommandResult generate(const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"generate", trained_lm_run().string(), "--device", "cpu"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_tessera(args);
}

TEST(Generate, SameSeedSameTextOtherSeedOtherText) {
  const auto a = generate({"--prompt", "The ", "--max-tokens", "80", "--seed", "7"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = generate({"--prompt", "The ", "--max-tokens", "80", "--seed", "7"});
  const auto c = generate({"--prompt", "The ", "--max-tokens", "80", "--seed", "8"});
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  EXPECT_EQ(a.out.rfind("The ", 0), 0u) << "the prompt comes first: " << a.out;
  EXPECT_GT(a.out.size(), 40u);
  EXPECT_NE(a.err.find("tokens/s"), std::string::npos) << a.err;
}

TEST(Generate, KvCacheAndFullPassesGiveTheSameGreedyText) {
  // 150 tokens with a window of 32: the cache restarts many times.
  const auto cached = generate({"--prompt", "Know", "--max-tokens", "150", "--temperature", "0"});
  const auto reference = generate({"--prompt", "Know", "--max-tokens", "150", "--temperature", "0", "--no-cache"});
  ASSERT_EQ(cached.exit_code, 0) << cached.err;
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  EXPECT_EQ(cached.out, reference.out);
  EXPECT_NE(reference.err.find("no cache"), std::string::npos) << reference.err;
}

TEST(Generate, StopStringEndsTheTextUnprintedAndLongPromptsAreCropped) {
  // Sampled with a fixed seed rather than greedy: a briefly trained model's greedy text can be one
  // repeated character (CI once saw only spaces), which leaves no stop string that first occurs
  // after the start. The same seed gives the same text (SameSeedSameTextOtherSeedOtherText).
  const std::vector<std::string> sampled = {"--prompt", "Hon", "--max-tokens", "60", "--seed", "11"};
  const auto free_run = generate(sampled);
  ASSERT_EQ(free_run.exit_code, 0) << free_run.err;
  const std::string continuation = free_run.out.substr(3);
  // The first two characters whose first occurrence is not at the start of the continuation.
  std::string stop;
  for (std::size_t at = 1; at + 2 <= continuation.size() && stop.empty(); ++at) {
    const std::string candidate = continuation.substr(at, 2);
    if (continuation.find(candidate) == at) stop = candidate;
  }
  ASSERT_FALSE(stop.empty()) << "no stop string first occurs after the start of: " << continuation;
  std::vector<std::string> with_stop = sampled;
  with_stop.insert(with_stop.end(), {"--stop", stop, "--stop", "\\n\\nnever"});
  const auto stopped = generate(with_stop);
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(stopped.out, "Hon" + continuation.substr(0, continuation.find(stop)));
  EXPECT_NE(stopped.err.find("stopped at stop string"), std::string::npos) << stopped.err;

  const auto cropped = generate({"--prompt", std::string(100, 'e'), "--max-tokens", "5"});
  ASSERT_EQ(cropped.exit_code, 0) << cropped.err;
  EXPECT_NE(cropped.err.find("the first 68 token(s) were dropped"), std::string::npos) << cropped.err;
  EXPECT_EQ(cropped.out.rfind(std::string(100, 'e'), 0), 0u) << "the prompt is printed as given";
}

TEST(Next, JsonCandidatesAreSortedProbabilitiesAndTheTableShowsWhitespace) {
  const auto json = run_tessera({"next", trained_lm_run().string(), "--prompt", "The early", "--top-k", "5", "--json",
                                 "--device", "cpu"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto candidates = nlohmann::json::parse(json.out);
  ASSERT_EQ(candidates.size(), 5u);
  double sum = 0.0, previous = 1.0;
  for (const auto& c : candidates) {
    ASSERT_TRUE(c.contains("token") && c.contains("id") && c.contains("probability")) << c.dump();
    const double p = c["probability"].get<double>();
    EXPECT_LE(p, previous);
    previous = p;
    sum += p;
  }
  EXPECT_LE(sum, 1.0 + 1e-9);
  EXPECT_GT(sum, 0.0);

  const auto table = run_tessera({"next", trained_lm_run().string(), "--prompt", "The early", "--device", "cpu"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("rank  probability", 0), 0u) << table.out;
  EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), 11) << "a header and the default 10 rows";
  EXPECT_EQ(table.out.find(" \n"), std::string::npos) << "a space token is shown as \u2420: " << table.out;
}

TEST(Generate, RunsThatAreNotLanguageModelsGiveOneLineErrors) {
  const fs::path dir = fresh_dir("not-lm");
  std::ofstream(dir / "config.yaml") << "model: {name: simple_cnn}\n";
  for (const char* command : {"generate", "next"}) {
    const auto result = run_tessera({command, dir.string(), "--prompt", "x", "--device", "cpu"});
    EXPECT_EQ(result.exit_code, 1) << command;
    EXPECT_NE(result.err.find("is not a language-model run"), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  const auto missing = run_tessera({"generate", (dir / "nope").string(), "--prompt", "x"});
  EXPECT_EQ(missing.exit_code, 1) << missing.err;

  // A language-model run without its tokenizer.
  const fs::path copy = fresh_dir("no-tokenizer") / "lm";
  fs::copy(trained_lm_run(), copy, fs::copy_options::recursive);
  fs::remove(copy / "tokenizer.json");
  const auto no_tokenizer = run_tessera({"generate", copy.string(), "--prompt", "x", "--device", "cpu"});
  EXPECT_EQ(no_tokenizer.exit_code, 1);
  EXPECT_NE(no_tokenizer.err.find("tokenizer.json"), std::string::npos) << no_tokenizer.err;
  EXPECT_TRUE(no_tokenizer.out.empty()) << "nothing printed before the error: " << no_tokenizer.out;

  const auto no_prompt = run_tessera({"generate", trained_lm_run().string()});
  EXPECT_EQ(no_prompt.exit_code, 1);
  EXPECT_NE(no_prompt.err.find("--prompt"), std::string::npos) << no_prompt.err;
  const auto help = run_tessera({"generate", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Examples:"), std::string::npos);
}

}  // namespace
}  // namespace tessera::e2e
