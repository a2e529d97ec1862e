// The language model through the CLI, as a user drives it: train a tiny GPT on a few KB of mixed
// Korean and English (char and BPE tokenizers), evaluate it on text, resume a killed run to the
// same weights, and meet ill-formed UTF-8 with either policy.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "e2e/cli.h"
#include "e2e/resume_support.h"
#include "tessera/models/safetensors.h"

namespace tessera::e2e {
namespace {
namespace fs = std::filesystem;

// ~5 KB of sentences in both scripts, numbered so that no two lines are the same.
std::string mixed_text(int lines, int offset = 0) {
  std::ostringstream text;
  for (int i = offset; i < offset + lines; ++i) {
    text << "Line " << i << ": the cat sat on the mat. 고양이가 매트 위에 앉았다. "
         << (i % 3 == 0 ? "Hello world!" : "안녕하세요, 세계!") << "\n";
  }
  return text.str();
}

std::int64_t code_points(const std::string& utf8) {
  return std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

fs::path write(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string lm_config(const fs::path& text, const fs::path& out, const std::string& text_section, int epochs = 2,
                      int steps = 20, const std::string& model = "n_layer: 1, n_head: 2, n_embd: 32") {
  std::ostringstream yaml;
  yaml << "runtime: {device: cpu, seed: 0, threads: 1, output_dir: " << out.string() << ", name: lm}\n"
       << "data: {train: " << text.string() << ", batch_size: 8}\n"
       << "model: {name: gpt, context: 16, " << model << ", dropout: 0.0}\n"
       << "optim: {name: adamw, lr: 0.003, weight_decay: 0.1, betas: [0.9, 0.99], warmup_epochs: 0.2, min_lr: 0.0003}\n"
       << "train: {epochs: " << epochs << ", grad_clip: 1.0, monitor: val_loss, keep: best}\n"
       << "text: {" << text_section << ", steps_per_epoch: " << steps << "}\n";
  return yaml.str();
}

std::vector<nlohmann::json> metrics(const fs::path& run) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(run / "metrics.jsonl");
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}


class LmTrain : public ::testing::TestWithParam<std::string> {};

// Train, then eval on held-out text: the run directory holds everything eval needs.
TEST_P(LmTrain, TrainsAndEvaluatesOnText) {
  const fs::path dir = fresh_dir(GetParam());
  const fs::path text = write(dir / "corpus.txt", mixed_text(60));
  const std::string tokenizer = GetParam() == "bpe" ? "tokenizer: bpe, vocab_size: 300" : "tokenizer: char";
  write(dir / "lm.yaml", lm_config(text, dir / "models", tokenizer));

  const auto trained = run_tessera({"train", (dir / "lm.yaml").string()});
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_NE(trained.out.find("validation loss:"), std::string::npos) << trained.out;
  const fs::path run = dir / "models" / "lm";
  for (const char* file : {"tokenizer.json", "weights.safetensors", "config.yaml", "metrics.jsonl"}) {
    EXPECT_TRUE(fs::exists(run / file)) << file;
  }
  const auto records = metrics(run);
  ASSERT_EQ(records.size(), 2u);
  for (const auto& record : records) {
    ASSERT_TRUE(record.contains("val_loss")) << record.dump();
    EXPECT_TRUE(std::isfinite(record["val_loss"].get<double>())) << record.dump();
  }

  const fs::path held_out = write(dir / "held_out.txt", mixed_text(10, 1000));
  const auto evaluated = run_tessera({"eval", run.string(), "--data", held_out.string(), "--stride", "8"});
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  EXPECT_NE(evaluated.out.find("bits/character"), std::string::npos) << evaluated.out;
  const auto report = nlohmann::json::parse(std::ifstream(run / "report.json"));
  for (const char* key : {"loss", "perplexity", "bits_per_token", "bits_per_character", "tokens_per_second"}) {
    ASSERT_TRUE(report.contains(key) && report[key].is_number()) << key << ": " << report.dump();
    EXPECT_TRUE(std::isfinite(report[key].get<double>())) << key;
  }
  EXPECT_EQ(report["window"], 16);
  EXPECT_EQ(report["stride"], 8);
  EXPECT_EQ(report["characters"], code_points(mixed_text(10, 1000)));
  EXPECT_NEAR(report["bits_per_character"].get<double>(),
              report["nll_sum"].get<double>() / (std::log(2.0) * report["characters"].get<double>()), 1e-12);
  EXPECT_EQ(report["tokenizer"], GetParam());
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, LmTrain, ::testing::Values("char", "bpe"));

// The shipped language-model configs run as written (model, optimiser, tokenizer), on this
// test's text instead of the prepared corpora and for three steps instead of 2,000.
TEST(LmConfigs, EachShippedConfigTrainsAFewSteps) {
  const fs::path dir = fresh_dir("configs");
  const fs::path text = write(dir / "corpus.txt", mixed_text(60));
  for (const char* name : {"lm_char_en", "lm_char_ko", "lm_bpe_en"}) {
    const auto trained = run_tessera({"train", std::string(TESSERA_SOURCE_DIR) + "/configs/" + name + ".yaml", "--set",
                                      "data.train=" + text.string(), "--set", "train.epochs=1", "--set",
                                      "text.steps_per_epoch=3", "--set", "runtime.output_dir=" + (dir / "models").string(),
                                      "--set", "runtime.device=cpu"});
    ASSERT_EQ(trained.exit_code, 0) << name << ": " << trained.err;
    EXPECT_TRUE(fs::exists(dir / "models" / name / "weights.safetensors")) << name;
  }
}

// SIGKILL mid-run, then --resume: the same final weights as a run never interrupted (CPU, seed
// fixed; training windows are a pure function of seed, epoch and step).
TEST(LmResume, KilledRunResumesToTheSameFinalWeights) {
  const fs::path dir = fresh_dir("resume");
  const fs::path text = write(dir / "corpus.txt", mixed_text(60));
  // ~0.2 s per epoch on 2 CPU cores, 10 epochs: the kill lands mid-run even on a faster machine.
  const std::string model = "n_layer: 2, n_head: 2, n_embd: 64";
  write(dir / "straight.yaml", lm_config(text, dir / "straight", "tokenizer: char", 10, 60, model));
  write(dir / "killed.yaml", lm_config(text, dir / "killed", "tokenizer: char", 10, 60, model));
  const auto straight = run_tessera({"train", (dir / "straight.yaml").string()});
  ASSERT_EQ(straight.exit_code, 0) << straight.err;

  const fs::path run = dir / "killed" / "lm";
  const int status = train_then_kill_after_checkpoint(dir / "killed.yaml", run, dir / "killed.log",
                                                      std::chrono::milliseconds(100));
  ASSERT_TRUE(fs::exists(run / "checkpoint.pt"));
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed; make it longer";

  const auto resumed = run_tessera({"train", (dir / "killed.yaml").string(), "--resume", run.string()});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming"), std::string::npos) << resumed.err;
  expect_same_tensors(dir / "straight" / "lm" / "last.safetensors", run / "last.safetensors");
  expect_same_tensors(dir / "straight" / "lm" / "weights.safetensors", run / "weights.safetensors");
  EXPECT_EQ(fs::file_size(dir / "straight" / "lm" / "tokenizer.json"), fs::file_size(run / "tokenizer.json"));
}

// Ill-formed UTF-8 in the corpus: text.malformed error stops with one line naming the file and
// the byte offset; replace trains and says how many sequences became U+FFFD.
TEST(LmMalformed, ErrorNamesTheOffsetAndReplaceCountsTheReplacements) {
  const fs::path dir = fresh_dir("malformed");
  const std::string good = mixed_text(60);
  const std::size_t offset = good.find('\n', good.size() / 2) + 1;  // the start of a line in the middle
  std::string bad = good;
  bad.insert(offset, "\xC3(");  // a lead byte followed by ASCII: one ill-formed sequence
  bad += "\xFF";                 // a byte that never occurs in UTF-8
  const fs::path text = write(dir / "bad.txt", bad);

  write(dir / "error.yaml", lm_config(text, dir / "models", "tokenizer: char, malformed: error"));
  const auto refused = run_tessera({"train", (dir / "error.yaml").string()});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  const std::string last_line = refused.err.substr(refused.err.rfind("error: "));
  EXPECT_EQ(std::count(last_line.begin(), last_line.end(), '\n'), 1) << refused.err;
  EXPECT_NE(last_line.find("byte offset " + std::to_string(offset)), std::string::npos) << refused.err;
  EXPECT_NE(last_line.find(text.string()), std::string::npos) << refused.err;

  write(dir / "replace.yaml", lm_config(text, dir / "models", "tokenizer: char, malformed: replace"));
  const auto replaced = run_tessera({"train", (dir / "replace.yaml").string()});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_NE(replaced.err.find("2 ill-formed UTF-8 sequence(s) replaced by U+FFFD"), std::string::npos) << replaced.err;
}

}  // namespace
}  // namespace tessera::e2e
