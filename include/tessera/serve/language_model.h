#pragma once
// A language-model run behind `tessera serve`: text generation for the generate extension
// (POST /v2/models/{m}/generate, generate_stream), OpenAI's POST /v1/completions, and the Open
// Inference Protocol's infer (one BYTES input text_input of shape [1] -> BYTES text_output).
//
// Generations run one at a time, in arrival order, on one executor: a DynamicBatcher with
// max_batch 1, so queue capacity (503), request timeouts (504) and draining work as for
// classifiers. (Generating several prompts in one batch would need a batched KV cache.) The same
// generation code as `tessera generate`: the same prompt, settings and seed give the same text.
#include <memory>
#include <string>

#include "tessera/core/config/serve.h"
#include "tessera/serve/dynamic_batcher.h"
#include "tessera/serve/served_model.h"

namespace tessera::tasks {
class LanguageModelTask;
}

namespace tessera::serve {

class LanguageModel final : public ServedModel {
 public:
  LanguageModel(std::string name, std::unique_ptr<tasks::LanguageModelTask> task, const config::ServeConfig& settings);
  ~LanguageModel() override;

  const std::string& name() const override { return name_; }
  nlohmann::json metadata() const override;
  bool ready() const override { return true; }
  Refusal infer(InferRequest request, std::function<void(InferOutcome)> done) override;
  Refusal generate(GenerationCall call, std::function<void(GenerationOutcome)> done) override;
  void observe(ModelObservers observers) override { observers_ = std::move(observers); }
  void shutdown() override { batcher_->shutdown(); }

  // One generation (the executor's work; public for tests). Throws ProtocolError for settings
  // out of range.
  GenerationOutcome run(const GenerationCall& call);

 private:
  std::string name_;
  std::unique_ptr<tasks::LanguageModelTask> task_;
  std::chrono::milliseconds timeout_;
  ModelObservers observers_;
  std::unique_ptr<DynamicBatcher<GenerationCall, GenerationOutcome>> batcher_;
};

}  // namespace tessera::serve
