// Generation with small in-memory models: seeds, the KV cache against full forward passes (also
// past the window), stop strings, streaming of byte tokens, prompt cropping. A run directory
// written by hand covers generate(request) and next_tokens without training.
#include "tessera/infer/generator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <numeric>

#include "infer/tiny_lm.h"
#include "support/temp_dir.h"
#include "tessera/core/config/experiment.h"
#include "tessera/core/error.h"
#include "tessera/infer/next_tokens.h"
#include "tessera/models/safetensors.h"
#include "tessera/run/run_directory.h"
#include "tessera/tasks/language_model.h"
#include "tessera/text/bpe_tokenizer.h"
#include "tessera/text/utf8.h"

namespace tessera::infer {
namespace {

GenerationOptions sampled(std::int64_t max_tokens, std::uint64_t seed) {
  GenerationOptions options;
  options.max_tokens = max_tokens;
  options.sampling = {.temperature = 1.0, .top_k = 0, .top_p = 1.0, .seed = seed};
  return options;
}

GenerationOptions greedy(std::int64_t max_tokens, bool cache) {
  GenerationOptions options;
  options.max_tokens = max_tokens;
  options.sampling.temperature = 0.0;
  options.use_kv_cache = cache;
  return options;
}

class Generator : public ::testing::Test {
 protected:
  text::CharTokenizer tokenizer = testing::tiny_char_tokenizer();
  models::Gpt gpt = testing::tiny_gpt(tokenizer);
};

TEST_F(Generator, SameSeedSameTokensOtherSeedOtherTokens) {
  const auto a = generate(*gpt, tokenizer, "the ", sampled(60, 1), {});
  const auto b = generate(*gpt, tokenizer, "the ", sampled(60, 1), {});
  const auto c = generate(*gpt, tokenizer, "the ", sampled(60, 2), {});
  ASSERT_EQ(a.tokens.size(), 60u);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.text, b.text);
  EXPECT_NE(a.tokens, c.tokens);
  EXPECT_EQ(a.stop_reason, StopReason::max_tokens);
  // Greedy is the argmax of a full forward pass over the prompt.
  const auto first = generate(*gpt, tokenizer, "the ", greedy(1, true), {});
  const auto ids = tokenizer.encode("the ");
  const torch::Tensor logits = gpt->forward(torch::tensor(std::vector<std::int64_t>(ids.begin(), ids.end())).reshape({1, -1}));
  EXPECT_EQ(first.tokens.at(0), logits[0][-1].argmax().item<std::int64_t>());
}

TEST_F(Generator, KvCacheGivesTheTokensOfFullForwardPassesPastTheWindow) {
  // Context 16: 150 tokens restart the window 15 times or more (every 8 tokens once it is full).
  for (const char* prompt : {"", "a", "the quick brown fox jumps"}) {
    const auto cached = generate(*gpt, tokenizer, prompt, greedy(150, true), {});
    const auto reference = generate(*gpt, tokenizer, prompt, greedy(150, false), {});
    ASSERT_EQ(cached.tokens.size(), 150u) << prompt;
    EXPECT_EQ(cached.tokens, reference.tokens) << prompt;
    EXPECT_EQ(cached.text, reference.text);
    EXPECT_GE(cached.window_restarts, 15) << prompt;
    EXPECT_EQ(cached.window_restarts, reference.window_restarts);
  }
  // Sampling too: the same logits give the same draws.
  auto options = sampled(100, 5);
  const auto cached = generate(*gpt, tokenizer, "ab", options, {});
  options.use_kv_cache = false;
  EXPECT_EQ(cached.tokens, generate(*gpt, tokenizer, "ab", options, {}).tokens);
}

TEST_F(Generator, StopStringAcrossTokensEndsGenerationUnprinted) {
  const auto free_run = generate(*gpt, tokenizer, "x", sampled(80, 3), {});
  // Character tokens: any three characters of the text span three tokens.
  const std::string stop = free_run.text.substr(20, 3);
  const std::size_t at = free_run.text.find(stop);
  auto options = sampled(80, 3);
  options.stop = {stop};
  std::string streamed;
  const auto stopped = generate(*gpt, tokenizer, "x", options, [&](std::string_view chunk) {
    EXPECT_FALSE(chunk.empty());
    streamed += chunk;
  });
  EXPECT_EQ(stopped.stop_reason, StopReason::stop_string);
  EXPECT_EQ(stopped.text, free_run.text.substr(0, at));
  EXPECT_EQ(streamed, stopped.text);
  EXPECT_EQ(stopped.tokens.size(), at + 3) << "generation ends with the token that completes the stop string";
}

TEST_F(Generator, EndOfTextEndsGeneration) {
  torch::NoGradGuard no_grad;
  gpt->wte->weight[tokenizer.eot_id()].fill_(1.0);  // now its logit is +n_embd: always chosen
  const auto summary = generate(*gpt, tokenizer, "abc", greedy(20, true), {});
  EXPECT_EQ(summary.stop_reason, StopReason::end_of_text);
  EXPECT_TRUE(summary.tokens.empty());
  EXPECT_EQ(summary.text, "");
}

TEST_F(Generator, LongPromptKeepsItsLastContextTokensWithANotice) {
  const std::string prompt(40, 'a');
  ::testing::internal::CaptureStderr();
  const auto summary = generate(*gpt, tokenizer, prompt + "bcd", greedy(3, true), {});
  const std::string notice = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(summary.prompt_tokens, 16);
  EXPECT_EQ(summary.cropped_tokens, 27);
  EXPECT_NE(notice.find("43 tokens do not fit the model's window of 16: the first 27 token(s) were dropped"),
            std::string::npos)
      << notice;
  // Cropping is the same as passing the last 16 characters yourself.
  EXPECT_EQ(summary.tokens, generate(*gpt, tokenizer, prompt.substr(0, 13) + "bcd", greedy(3, true), {}).tokens);
  EXPECT_EQ(generate(*gpt, tokenizer, "", greedy(2, true), {}).prompt_tokens, 1) << "empty: <|endoftext|> alone";
}

TEST_F(Generator, SettingsAreCheckedAndTheModelModeRestored) {
  EXPECT_THROW(generate(*gpt, tokenizer, "a", greedy(-1, true), {}), UserError);
  auto options = greedy(5, true);
  options.sampling.top_p = 0.0;
  EXPECT_THROW(generate(*gpt, tokenizer, "a", options, {}), UserError);
  EXPECT_THROW(generate(*gpt, tokenizer, "a\xE2\x82\xAC", greedy(5, true), {}), UserError) << "€ is not in the vocabulary";
  EXPECT_TRUE(generate(*gpt, tokenizer, "a", greedy(0, true), {}).tokens.empty());
  gpt->train();
  generate(*gpt, tokenizer, "a", greedy(2, true), {});
  EXPECT_TRUE(gpt->is_training());
}

// Trains a tiny GPT to repeat "한국어 " where every Korean character is split across two BPE
// tokens, so greedy generation must hold back half characters to print whole ones.
TEST(GeneratorStreaming, ByteTokensSplittingKoreanNeverPrintHalfACharacter) {
  const text::BpeTokenizer tokenizer({{0xED, 0x95}, {0xB5, 0xAD}, {0xEC, 0x96}}, text::TextPolicy{});
  const std::string phrase = "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 ";  // "한국어 ": 7 tokens
  std::string corpus;
  for (int i = 0; i < 12; ++i) corpus += phrase;
  const auto ids = tokenizer.encode(corpus);
  torch::manual_seed(0);
  models::Gpt gpt(testing::tiny_gpt_options(tokenizer.vocab_size()));
  torch::optim::Adam optimizer(gpt->parameters(), torch::optim::AdamOptions(1e-2));
  const torch::Tensor all = torch::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()));
  for (int step = 0; step < 150; ++step) {
    const std::int64_t start = step % 7;  // every phase of the cycle
    const torch::Tensor x = all.slice(0, start, start + 16).reshape({1, 16});
    const torch::Tensor y = all.slice(0, start + 1, start + 17).reshape({-1});
    const torch::Tensor loss = torch::nn::functional::cross_entropy(gpt->forward(x).reshape({16, -1}), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  std::vector<std::string> chunks;
  const auto summary = generate(*gpt, tokenizer, phrase, greedy(70, true),
                                [&](std::string_view chunk) { chunks.emplace_back(chunk); });
  std::string repeated;
  for (int i = 0; i < 10; ++i) repeated += phrase;
  ASSERT_EQ(summary.text, repeated) << "the model should have learned the cycle";
  EXPECT_EQ(summary.replacements, 0u);
  EXPECT_GE(chunks.size(), 30u) << "streamed character by character, not at the end";
  for (const auto& chunk : chunks) EXPECT_TRUE(text::is_valid_utf8(chunk)) << chunk;
}

// A run directory written by hand: what `tessera train` leaves for generate and next.
std::filesystem::path write_run(const std::filesystem::path& root, const text::Tokenizer& tokenizer,
                                models::GptImpl& gpt) {
  const std::string yaml = "runtime: {device: cpu, output_dir: " + root.string() +
                           ", name: lm}\n"
                           "model: {name: gpt, context: 16, n_layer: 2, n_head: 2, n_embd: 32}\n";
  const auto config = config::parse_config(yaml, "test.yaml");
  const auto run = run::RunDirectory::create(config);
  run.write_config(config);
  tokenizer.save(tasks::LanguageModelTask::tokenizer_path(run));
  models::save_safetensors(run.weights_path(), models::state_dict(gpt));
  return run.path();
}

TEST_F(Generator, RunDirectoryGivesTheSameTextAndNextTokenProbabilities) {
  const testing::TempDir dir("generate");
  GenerateRequest request;
  request.run_dir = write_run(dir.path(), tokenizer, *gpt);
  request.prompt = "hello";
  request.device = "cpu";
  request.options = sampled(30, 4);
  EXPECT_EQ(generate(request, {}).tokens, generate(*gpt, tokenizer, "hello", sampled(30, 4), {}).tokens);

  const auto candidates = next_tokens({.run_dir = request.run_dir, .prompt = "hello", .top_k = 5, .device = "cpu"});
  ASSERT_EQ(candidates.size(), 5u);
  const auto ids = tokenizer.encode("hello");
  const torch::Tensor probabilities =
      gpt->forward(torch::tensor(std::vector<std::int64_t>(ids.begin(), ids.end())).reshape({1, -1}))[0][-1].softmax(0);
  const auto [top, top_ids] = probabilities.topk(5);
  for (std::int64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(candidates[static_cast<std::size_t>(i)].id, top_ids[i].item<std::int64_t>());
    EXPECT_NEAR(candidates[static_cast<std::size_t>(i)].probability, top[i].item<double>(), 1e-5);
    EXPECT_EQ(candidates[static_cast<std::size_t>(i)].text, tokenizer.token_text(candidates[static_cast<std::size_t>(i)].id));
  }
  EXPECT_EQ(next_tokens({.run_dir = request.run_dir, .prompt = "", .top_k = 1000, .device = "cpu"}).size(),
            static_cast<std::size_t>(tokenizer.vocab_size()));

  std::filesystem::remove(request.run_dir / "tokenizer.json");
  EXPECT_THROW(generate(request, {}), UserError);
}

}  // namespace
}  // namespace tessera::infer
