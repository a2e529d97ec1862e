#include "tessera/infer/generator.h"

#include <torch/torch.h>

#include <limits>

#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/infer/generated_text.h"
#include "tessera/infer/prompt.h"
#include "tessera/run/run_directory.h"
#include "tessera/tasks/language_model.h"

namespace tessera::infer {
namespace {

// The tokens the model conditions on: tokens[start, end). Both paths move `start` the same way,
// so the cached path computes exactly what the reference path computes.
class Window {
 public:
  Window(models::GptImpl& gpt, bool cached)
      : gpt_(gpt), cached_(cached), context_(gpt.options.context), keep_(std::max<std::int64_t>(1, context_ / 2)) {}

  // Logits (1 x vocab) for the token after `tokens`.
  torch::Tensor next_logits(const std::vector<std::int32_t>& tokens) {
    const auto end = static_cast<std::int64_t>(tokens.size());
    if (end - start_ > context_) {
      // Positions are learned up to `context` only, so the window cannot slide one token at a
      // time without recomputing every key and value (their positions all change). Restarting
      // at the last context/2 tokens costs one prefill per context/2 generated tokens and keeps
      // half a window of history.
      start_ = end - keep_;
      cache_.clear();
      ++restarts_;
    }
    if (!cached_) return gpt_.forward(slice(tokens, start_, end)).select(1, -1);
    const std::int64_t fed = start_ + cache_.length();  // the cache holds tokens[start, fed)
    return gpt_.forward(slice(tokens, fed, end), cache_).select(1, -1);
  }

  std::int64_t restarts() const { return restarts_; }

 private:
  torch::Tensor slice(const std::vector<std::int32_t>& tokens, std::int64_t begin, std::int64_t end) const {
    std::vector<std::int64_t> ids(tokens.begin() + begin, tokens.begin() + end);
    return torch::tensor(ids, torch::kLong).reshape({1, end - begin}).to(gpt_.wte->weight.device());
  }

  models::GptImpl& gpt_;
  bool cached_;
  std::int64_t context_, keep_;
  std::int64_t start_ = 0, restarts_ = 0;
  models::KvCache cache_;
};

// Generation runs in eval mode (no dropout); a model that was training is put back.
class EvalModeScope {
 public:
  explicit EvalModeScope(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalModeScope() { module_.train(was_training_); }
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

}  // namespace

const char* to_string(StopReason reason) {
  switch (reason) {
    case StopReason::max_tokens: return "max tokens";
    case StopReason::end_of_text: return "end of text";
    case StopReason::stop_string: return "stop string";
  }
  return "?";
}

GenerateSummary generate(models::GptImpl& gpt, const text::Tokenizer& tokenizer, std::string_view prompt,
                         const GenerationOptions& options, const TextCallback& on_text, const ComputeSettings& compute) {
  if (options.max_tokens < 0) throw UserError("max-tokens must be >= 0, got " + std::to_string(options.max_tokens));
  validate(options.sampling);
  const EncodedPrompt encoded = encode_prompt(tokenizer, prompt, gpt.options.context);

  GenerateSummary summary;
  summary.prompt_tokens = static_cast<std::int64_t>(encoded.ids.size());
  summary.cropped_tokens = encoded.cropped;
  const auto emit = [&](const std::string& chunk) {
    if (chunk.empty()) return;
    summary.text += chunk;
    if (on_text) on_text(chunk);
  };

  const auto started = std::chrono::steady_clock::now();
  const EvalModeScope eval_mode(gpt);
  const c10::InferenceMode inference;
  const AutocastScope autocast(compute);
  at::Generator generator = seeded_cpu_generator(options.sampling.seed);
  Window window(gpt, options.use_kv_cache);
  GeneratedText text(options.stop);
  std::vector<std::int32_t> tokens = encoded.ids;
  // Special tokens other than <|endoftext|> (padding, <unk>) are never training targets, and
  // sampling one from a barely trained model would print its name.
  std::vector<std::int64_t> never_ids;
  for (std::int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (tokenizer.is_special(id) && id != tokenizer.eot_id()) never_ids.push_back(id);
  }
  const torch::Tensor never = torch::tensor(never_ids, torch::kLong);
  for (std::int64_t step = 0; step < options.max_tokens; ++step) {
    torch::Tensor logits = window.next_logits(tokens).to(torch::kCPU, torch::kFloat32);
    logits.index_fill_(1, never, -std::numeric_limits<float>::infinity());
    const auto id = static_cast<std::int32_t>(sample_next(logits, options.sampling, generator));
    if (id == tokenizer.eot_id()) {
      summary.stop_reason = StopReason::end_of_text;
      break;
    }
    tokens.push_back(id);
    summary.tokens.push_back(id);
    emit(text.push(tokenizer.token_bytes(id)));
    if (text.stopped()) {
      summary.stop_reason = StopReason::stop_string;
      break;
    }
  }
  emit(text.finish());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.window_restarts = window.restarts();
  summary.replacements = text.replacements();
  return summary;
}

GenerateSummary generate(const GenerateRequest& request, const TextCallback& on_text) {
  const auto run = run::RunDirectory::open(request.run_dir);
  auto task = tasks::LanguageModelTask::from_run_directory(run, resolve_device(request.device));
  return generate(task->gpt(), task->tokenizer(), request.prompt, request.options, on_text, task->compute());
}

}  // namespace tessera::infer
