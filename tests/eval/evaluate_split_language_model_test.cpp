// eval for language models (evaluate_split over LanguageModelTask::set_test_text): the windowed
// pass scores every token exactly as one direct forward pass with the same history would, bits
// per character follow from the total NLL, and a sliding stride gives a trained model more
// context (a lower loss) than non-overlapping windows.
#include "tessera/eval/evaluator.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "support/temp_dir.h"
#include "tessera/core/config/experiment.h"
#include "tessera/core/error.h"
#include "tessera/tasks/language_model.h"

namespace tessera::eval {
namespace {
using tasks::LanguageModelTask;
using tasks::Split;
using testing::TempDir;

constexpr std::int64_t kContext = 16;

// A tiny char-level GPT (random weights, seeded) whose vocabulary comes from `text` (repeated up
// to a training window when shorter).
std::unique_ptr<LanguageModelTask> tiny_task(const TempDir& dir, const std::string& text, int eval_batch = 3) {
  std::string training = text;
  while (training.size() <= kContext) training += text;
  testing::write_text(dir / "train.txt", training);
  const std::string yaml =
      "runtime: {device: cpu, seed: 0, threads: 1}\n"
      "data: {train: " +
      (dir / "train.txt").string() +
      ", batch_size: 16}\n"
      "model: {name: gpt, context: " +
      std::to_string(kContext) +
      ", n_layer: 2, n_head: 2, n_embd: 32, dropout: 0.0}\n"
      "eval: {batch_size: " +
      std::to_string(eval_batch) +
      "}\n"
      "text: {tokenizer: char, val_fraction: 0.0, steps_per_epoch: 1000}\n";
  torch::manual_seed(0);
  return LanguageModelTask::for_training(config::parse_config(yaml, "tiny.yaml"), torch::kCPU);
}

// `text` as the test split, scored in one pass (eval's batch size 3 from tiny_task's config).
nlohmann::json evaluate_text(LanguageModelTask& task, data::TokenStream text, std::int64_t stride) {
  task.set_test_text(std::move(text), stride);
  tasks::PassOptions options;
  options.batch_size = task.config().eval.batch_size;
  return evaluate_split(task, Split::test, options).report;
}

data::TokenStream stream_of(const LanguageModelTask& task, const std::string& text) {
  return task.tokenize({text}, "test text");
}

// Sum of -log p(token t | tokens [max(0, t - history), t)) over t = 1 .. n-1, one forward per token.
double direct_nll(LanguageModelTask& task, const std::vector<std::int32_t>& tokens, std::int64_t history) {
  torch::NoGradGuard no_grad;
  task.gpt().eval();
  double sum = 0.0;
  for (std::size_t t = 1; t < tokens.size(); ++t) {
    const std::size_t from = t > static_cast<std::size_t>(history) ? t - static_cast<std::size_t>(history) : 0;
    const std::vector<std::int64_t> inputs(tokens.begin() + static_cast<std::ptrdiff_t>(from),
                                           tokens.begin() + static_cast<std::ptrdiff_t>(t));
    const torch::Tensor logits = task.forward(torch::tensor(inputs).unsqueeze(0));  // [1, T, V]
    sum -= torch::log_softmax(logits[0][-1], 0)[tokens[t]].item<double>();
  }
  return sum;
}

TEST(LanguageModelEval, OneWindowEqualsOneDirectForward) {
  TempDir dir("lm-eval");
  const std::string text = "hello, world";  // 12 characters: one window of context 16
  auto task = tiny_task(dir, text);
  data::TokenStream stream = stream_of(*task, text);
  const std::vector<std::int32_t> tokens = stream.tokens;
  ASSERT_EQ(tokens.size(), 12u);

  // The whole text in one forward pass, every position predicting the next.
  double full_forward = 0.0;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor ids = torch::tensor(std::vector<std::int64_t>(tokens.begin(), tokens.end()));
    const torch::Tensor logits = task->forward(ids.slice(0, 0, 11).unsqueeze(0))[0];
    const auto sum = torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum);
    full_forward = torch::nn::functional::cross_entropy(logits, ids.slice(0, 1, 12), sum).item<double>();
  }
  const nlohmann::json report = evaluate_text(*task, std::move(stream), 0);
  EXPECT_EQ(report["tokens"], 11);
  EXPECT_EQ(report["windows"], 1);
  EXPECT_EQ(report["window"], kContext);
  EXPECT_EQ(report["stride"], kContext);
  EXPECT_NEAR(report["nll_sum"].get<double>(), full_forward, 1e-4 * full_forward);
  EXPECT_NEAR(report["loss"].get<double>(), full_forward / 11.0, 1e-5);
  EXPECT_NEAR(report["perplexity"].get<double>(), std::exp(report["loss"].get<double>()), 1e-9);
  EXPECT_EQ(report["task"], "language_model");  // report.html picks its page by this key
  EXPECT_DOUBLE_EQ(report["bits_per_character"].get<double>(),
                   report["nll_sum"].get<double>() / (std::log(2.0) * 12.0));
  EXPECT_EQ(report["characters"], 12);
}

// Data-parallel eval: two ranks each score every other window; their summed shares equal one
// pass over all windows (the ranks of a group add them with an all-reduce).
TEST(LanguageModelEval, ShardedWindowsAddUpToTheWholeText) {
  TempDir dir("lm-eval");
  const std::string text = "the quick brown fox jumps over the lazy dog; 한국어 텍스트도. and then some more words";
  auto task = tiny_task(dir, text);
  const nlohmann::json whole = evaluate_text(*task, stream_of(*task, text), 4);

  torch::NoGradGuard no_grad;
  task->gpt().eval();
  tasks::EvaluationShare combined{{0.0, 0.0, 0.0}, torch::empty({0, 0}, torch::kFloat64)};
  std::size_t batches = 0;
  for (int rank = 0; rank < 2; ++rank) {
    task->set_text(Split::test, stream_of(*task, text));
    task->shard(Split::test, rank, 2);
    batches += task->batches_per_epoch(Split::test);
    auto evaluation = task->new_evaluation();
    task->start_epoch(Split::test, 0);
    while (auto batch = task->next_batch(Split::test)) evaluation->update(task->forward(batch->inputs), *batch);
    const auto share = evaluation->share();
    for (std::size_t i = 0; i < 3; ++i) combined.sums[i] += share.sums[i];
  }
  auto adopted = task->new_evaluation();
  adopted->adopt(combined);
  EXPECT_EQ(adopted->count(), whole["tokens"].get<std::int64_t>());
  EXPECT_NEAR(adopted->value("loss"), whole["loss"].get<double>(), 1e-6);
  EXPECT_NEAR(adopted->value("accuracy"), whole["accuracy"].get<double>(), 1e-12);
  EXPECT_GE(batches, 2u);
  EXPECT_THROW(adopted->adopt({{1.0, 2.0}, torch::Tensor()}), UserError);
  EXPECT_THROW(task->shard(Split::test, 2, 2), UserError);
}

// Stride 1: every token after the first window is predicted from exactly `context` tokens, the
// first window's from everything before them; batches (of 3 windows) and padding change nothing.
TEST(LanguageModelEval, StrideOneScoresEachTokenWithTheLongestHistory) {
  TempDir dir("lm-eval");
  const std::string text = "the quick brown fox jumps over the lazy dog; 한국어 텍스트도.";
  auto task = tiny_task(dir, text);
  data::TokenStream stream = stream_of(*task, text);
  const std::vector<std::int32_t> tokens = stream.tokens;
  const double expected = direct_nll(*task, tokens, kContext);

  const nlohmann::json report = evaluate_text(*task, std::move(stream), 1);
  EXPECT_EQ(report["tokens"].get<std::size_t>(), tokens.size() - 1);
  EXPECT_EQ(report["stride"], 1);
  EXPECT_NEAR(report["nll_sum"].get<double>(), expected, 1e-4 * expected);

  // Non-overlapping windows score every token too, with less history for the later ones.
  const nlohmann::json plain = evaluate_text(*task, stream_of(*task, text), 0);
  EXPECT_EQ(plain["tokens"], report["tokens"]);
  EXPECT_EQ(plain["stride"], kContext);
}

// A model trained on a text that only a few tokens of history can predict (a random period of
// four letters): sliding windows give each scored token at least context - stride tokens of
// history, non-overlapping ones start every window from nothing, so their loss is higher.
TEST(LanguageModelEval, SlidingWindowsLowerTheLossOfATrainedModel) {
  TempDir dir("lm-eval");
  std::string period;
  std::uint64_t state = 12345;
  for (int i = 0; i < 20; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    period += static_cast<char>('a' + (state >> 33) % 4);
  }
  std::string text;
  while (text.size() < 800) text += period;
  auto task = tiny_task(dir, text, 8);

  torch::optim::AdamW optimizer(task->gpt().parameters(), torch::optim::AdamWOptions(1e-2).weight_decay(0.0));
  task->gpt().train();
  task->start_epoch(Split::train, 0);
  for (int step = 0; step < 300; ++step) {
    auto batch = task->next_batch(Split::train);
    ASSERT_TRUE(batch);
    optimizer.zero_grad();
    const torch::Tensor loss = task->loss(task->forward(batch->inputs), batch->targets);
    loss.backward();
    optimizer.step();
  }

  const double non_overlapping = evaluate_text(*task, stream_of(*task, text), 0)["loss"].get<double>();
  const double sliding = evaluate_text(*task, stream_of(*task, text), 4)["loss"].get<double>();
  std::printf("trained model: loss %.4f with non-overlapping windows, %.4f with stride 4\n", non_overlapping, sliding);
  EXPECT_LT(sliding, non_overlapping);
  EXPECT_LT(sliding, 0.5) << "the model did not learn the period; the comparison means little";
}

TEST(LanguageModelEval, StrideOutsideTheContextIsAUserError) {
  TempDir dir("lm-eval");
  auto task = tiny_task(dir, "some text to score");
  EXPECT_THROW(evaluate_text(*task, stream_of(*task, "some text"), kContext + 1), UserError);
  EXPECT_THROW(evaluate_text(*task, stream_of(*task, "s"), 0), UserError);  // one token: nothing to predict
}

}  // namespace
}  // namespace tessera::eval
