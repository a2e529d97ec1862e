#include "tessera/serve/language_model.h"

#include <cmath>
#include <utility>

#include "tessera/core/error.h"
#include "tessera/infer/generator.h"
#include "tessera/infer/next_tokens.h"
#include "tessera/serve/classification_model.h"
#include "tessera/serve/generate_protocol.h"
#include "tessera/tasks/language_model.h"

namespace tessera::serve {
namespace {

infer::GenerationOptions options_of(const GenerationCall& call) {
  if (call.max_tokens < 0) throw ProtocolError("max_tokens must be >= 0, got " + std::to_string(call.max_tokens));
  if (call.next_tokens < 0) throw ProtocolError("next_tokens must be >= 0, got " + std::to_string(call.next_tokens));
  infer::GenerationOptions options;
  options.max_tokens = call.max_tokens;
  options.sampling.temperature = call.temperature;
  options.sampling.top_k = call.top_k;
  options.sampling.top_p = call.top_p;
  options.sampling.seed = call.seed;
  options.stop = call.stop;
  try {
    infer::validate(options.sampling);
  } catch (const UserError& e) {  // it names the setting; the client sent it
    throw ProtocolError(e.what());
  }
  return options;
}

}  // namespace

LanguageModel::LanguageModel(std::string name, std::unique_ptr<tasks::LanguageModelTask> task,
                             const config::ServeConfig& settings)
    : name_(std::move(name)),
      task_(std::move(task)),
      timeout_(static_cast<std::int64_t>(std::llround(settings.request_timeout_s * 1000))) {
  task_->module().eval();
  BatcherOptions options = batcher_options(settings);
  options.max_batch = 1;  // one generation at a time: see the header
  options.max_queue_delay = std::chrono::microseconds(0);
  options.executors = 1;
  batcher_ = std::make_unique<DynamicBatcher<GenerationCall, GenerationOutcome>>(
      options,
      [this](std::vector<GenerationCall>& batch) {
        std::vector<GenerationOutcome> outcomes;
        for (const GenerationCall& call : batch) outcomes.push_back(run(call));
        return outcomes;
      },
      [this](const BatchRecord& record) {
        if (observers_.batch) observers_.batch(record);
      });
}

LanguageModel::~LanguageModel() { batcher_.reset(); }  // drains before the task goes

nlohmann::json LanguageModel::metadata() const {
  return {{"name", name_},
          {"versions", {"1"}},
          {"platform", "tessera_libtorch"},
          {"inputs", {{{"name", "text_input"}, {"datatype", "BYTES"}, {"shape", {1}}}}},
          {"outputs", {{{"name", "text_output"}, {"datatype", "BYTES"}, {"shape", {1}}}}},
          {"parameters", {{"context", task_->gpt().options.context}, {"vocab_size", task_->tokenizer().vocab_size()}}}};
}

GenerationOutcome LanguageModel::run(const GenerationCall& call) {
  const infer::GenerationOptions options = options_of(call);
  GenerationOutcome out;
  if (call.next_tokens > 0) {
    for (const infer::NextToken& t : infer::next_tokens(*task_, call.prompt, call.next_tokens)) {
      out.next_tokens.push_back({t.text, t.probability});
    }
  }
  const infer::TextCallback on_text = [&call](std::string_view piece) {
    if (call.on_text) call.on_text(piece);
  };
  const infer::GenerateSummary summary =
      infer::generate(task_->gpt(), task_->tokenizer(), call.prompt, options, on_text, task_->compute());
  out.text = summary.text;
  out.finish_reason = summary.stop_reason == infer::StopReason::max_tokens ? "length" : "stop";
  out.prompt_tokens = summary.prompt_tokens;
  out.completion_tokens = static_cast<std::int64_t>(summary.tokens.size());
  return out;
}

Refusal LanguageModel::generate(GenerationCall call, std::function<void(GenerationOutcome)> done) {
  (void)options_of(call);  // refuse bad settings with 400 before queueing
  const Clock::time_point deadline = Clock::now() + timeout_;
  switch (batcher_->submit(
      std::move(call),
      [done = std::move(done)](DynamicBatcher<GenerationCall, GenerationOutcome>::Outcome o) {
        if (o.error) {
          GenerationOutcome failed;
          failed.error = o.error;
          return done(std::move(failed));
        }
        done(std::move(*o.response));
      },
      deadline)) {
    case Admission::accepted: return Refusal::none;
    case Admission::queue_full: return Refusal::queue_full;
    case Admission::shutting_down: return Refusal::shutting_down;
  }
  return Refusal::shutting_down;
}

Refusal LanguageModel::infer(InferRequest request, std::function<void(InferOutcome)> done) {
  if (request.inputs.size() != 1 || request.inputs[0].datatype != DataType::BYTES ||
      request.inputs[0].elements.size() != 1) {
    throw ProtocolError("model '" + name_ + "' takes one input, text_input: BYTES of shape [1] (the prompt)");
  }
  GenerationCall call;
  call.prompt = std::move(request.inputs[0].elements[0]);
  read_generation_settings(request.parameters, call);  // as the generate extension reads them
  return generate(std::move(call), [done = std::move(done)](GenerationOutcome o) {
    if (o.error) return done({{}, o.error});
    done({{bytes_tensor("text_output", {1}, {std::move(o.text)})}, nullptr});
  });
}

}  // namespace tessera::serve
