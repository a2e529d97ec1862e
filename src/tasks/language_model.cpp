#include "tessera/tasks/language_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/data/shard.h"
#include "tessera/models/safetensors.h"
#include "tessera/tasks/report_number.h"
#include "tessera/text/bpe_trainer.h"
#include "tessera/text/char_tokenizer.h"
#include "tessera/text/utf8.h"

namespace tessera::tasks {
namespace {

constexpr std::int64_t kIgnore = -1;  // targets that are not scored

// Mean NLL per scored token, perplexity, next-token accuracy.
class LanguageModelEvaluation final : public Evaluation {
 public:
  using Evaluation::update;
  void update(const torch::Tensor& outputs, const torch::Tensor& targets, const torch::Tensor& /*indices*/) override {
    const torch::Tensor logits = outputs.reshape({-1, outputs.size(-1)}).to(torch::kFloat32);
    const torch::Tensor flat = targets.reshape({-1});
    const torch::Tensor scored = flat.ne(kIgnore);
    nll_ += torch::nn::functional::cross_entropy(
                logits, flat, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnore).reduction(torch::kSum))
                .item<double>();
    tokens_ += scored.sum().item<std::int64_t>();
    correct_ += (logits.argmax(1).eq(flat) & scored).sum().item<std::int64_t>();
  }
  std::int64_t count() const override { return tokens_; }
  double value(const std::string& name) const override {
    if (tokens_ == 0) return std::numeric_limits<double>::quiet_NaN();
    if (name == "loss") return nll_ / static_cast<double>(tokens_);
    if (name == "accuracy") return static_cast<double>(correct_) / static_cast<double>(tokens_);
    if (name == "perplexity") return std::exp(value("loss"));
    return std::numeric_limits<double>::quiet_NaN();
  }
  nlohmann::json report() const override {
    return {{"task", "language_model"},
            {"loss", value("loss")},
            {"perplexity", value("perplexity")},  // exp(loss)
            {"bits_per_token", value("loss") / std::log(2.0)},
            {"accuracy", value("accuracy")},
            {"tokens", tokens_},
            {"nll_sum", nll_}};
  }
  std::map<std::string, std::string> artifacts() const override { return {}; }
  // Everything adds up: {NLL sum, scored tokens, correct tokens}; no rows.
  EvaluationShare share() const override {
    return {{nll_, static_cast<double>(tokens_), static_cast<double>(correct_)}, torch::empty({0, 0}, torch::kFloat64)};
  }
  void adopt(const EvaluationShare& whole) override {
    if (whole.sums.size() != 3 || whole.sums[1] < 0 || whole.sums[2] < 0 || whole.sums[2] > whole.sums[1]) {
      throw UserError("LanguageModelEvaluation::adopt: expected {NLL sum, tokens, correct tokens}");
    }
    nll_ = whole.sums[0];
    tokens_ = static_cast<std::int64_t>(whole.sums[1]);
    correct_ = static_cast<std::int64_t>(whole.sums[2]);
  }

 private:
  double nll_ = 0.0;
  std::int64_t tokens_ = 0, correct_ = 0;
};

models::GptOptions gpt_options(const config::ModelConfig& model, std::int64_t vocab_size) {
  models::GptOptions o;
  o.vocab_size = vocab_size;
  o.context = model.context;
  o.n_layer = model.n_layer;
  o.n_head = model.n_head;
  o.n_embd = model.n_embd;
  o.dropout = model.dropout;
  o.bias = model.bias;
  o.tie_embeddings = model.tie_embeddings;
  return o;
}

// The config's choices as the text module's policies (text::TextPolicy also travels in
// tokenizer.json, under names of its own).
text::Normalization normalization_of(config::TextNormalization choice) {
  switch (choice) {
    case config::TextNormalization::nfc: return text::Normalization::nfc;
    case config::TextNormalization::none: return text::Normalization::none;
  }
  return text::Normalization::nfc;
}

text::MalformedInput malformed_of(config::MalformedText choice) {
  switch (choice) {
    case config::MalformedText::error: return text::MalformedInput::error;
    case config::MalformedText::replace: return text::MalformedInput::replace;
    case config::MalformedText::keep_bytes: return text::MalformedInput::keep_bytes;
  }
  return text::MalformedInput::error;
}

text::UnknownCharacter unknown_of(config::UnknownCharacters choice) {
  switch (choice) {
    case config::UnknownCharacters::error: return text::UnknownCharacter::error;
    case config::UnknownCharacters::unk: return text::UnknownCharacter::unk;
    case config::UnknownCharacters::skip: return text::UnknownCharacter::skip;
  }
  return text::UnknownCharacter::error;
}

text::TextPolicy text_policy(const config::TextConfig& settings) {
  text::TextPolicy policy;
  policy.normalization = normalization_of(settings.normalization);
  policy.malformed = malformed_of(settings.malformed);
  return policy;
}

void log_report(const std::string& what, const text::EncodeReport& report) {
  if (report.replaced_sequences > 0) log::warn(what, ": ", report.replaced_sequences, " ill-formed UTF-8 sequence(s) replaced by U+FFFD");
  if (report.kept_bytes > 0) log::warn(what, ": ", report.kept_bytes, " ill-formed UTF-8 byte(s) kept as byte tokens");
  if (report.unknown_characters > 0) {
    log::warn(what, ": ", report.unknown_characters, " character(s) outside the vocabulary (",
              report.skipped_characters, " skipped, the rest as <unk>)");
  }
}

// "<what>" for one document, "<what> (document k of n)" for a folder's: where an error is.
std::string document_name(const std::string& what, std::size_t index, std::size_t count) {
  if (count <= 1) return what;
  return what + " (document " + std::to_string(index + 1) + " of " + std::to_string(count) + ", sorted by path)";
}

// With malformed: error, the first ill-formed byte of the training text stops the run naming the
// document and its byte offset. Checked before the tokenizer is built, which sees the documents
// joined and would report an offset into the join.
void check_utf8(const std::vector<std::string>& documents, const std::string& what,
                const config::TextConfig& settings) {
  if (settings.malformed != config::MalformedText::error) return;
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const std::size_t offset = text::find_invalid_utf8(documents[d]);
    if (offset == std::string_view::npos) continue;
    const text::Utf8Step step = text::decode_step(documents[d], offset);
    throw DecodeError(document_name(what, d, documents.size()) + ": " +
                      text::describe_utf8_problem(documents[d], offset, step, offset) +
                      " (text.malformed: replace would substitute U+FFFD)");
  }
}

}  // namespace

std::unique_ptr<text::Tokenizer> build_tokenizer(const config::TextConfig& settings,
                                                 const std::vector<std::string>& training_text) {
  const text::TextPolicy policy = text_policy(settings);
  if (settings.tokenizer == config::TokenizerType::bpe) {
    text::BpeTrainOptions options;
    options.vocab_size = settings.vocab_size;
    options.text = policy;
    text::BpeTrainer trainer(options);
    for (const auto& document : training_text) trainer.add_text(document);
    return std::make_unique<text::BpeTokenizer>(trainer.train());
  }
  text::CharTokenizerOptions options;
  options.text = policy;
  options.unknown = unknown_of(settings.unknown);
  std::string all;
  for (const auto& document : training_text) all += document;
  return std::make_unique<text::CharTokenizer>(text::CharTokenizer::from_corpus(all, options));
}

LanguageModelTask::LanguageModelTask(const config::ExperimentConfig& config, std::unique_ptr<text::Tokenizer> tokenizer,
                                     torch::Device device)
    : config_(config), tokenizer_(std::move(tokenizer)), device_(device), compute_(resolve_compute(config.runtime, device)) {
  gpt_ = models::Gpt(gpt_options(config_.model, tokenizer_->vocab_size()));
  gpt_->to(device_);
}

std::unique_ptr<LanguageModelTask> LanguageModelTask::for_training(const config::ExperimentConfig& config,
                                                                   torch::Device device) {
  if (config.data.train.empty()) throw UserError("data.train is required for training (a text file or a folder of them)");
  const auto documents = data::read_documents(config.data.train);
  check_utf8(documents, "data.train " + config.data.train, config.text);
  auto tokenizer = build_tokenizer(config.text, documents);
  log::info("tokenizer: ", config::name_of(config.text.tokenizer), ", ", tokenizer->vocab_size(), " tokens");
  std::unique_ptr<LanguageModelTask> task(new LanguageModelTask(config, std::move(tokenizer), device));
  const auto tokenize = [&](const std::vector<std::string>& docs, const std::string& what) {
    return task->tokenize(docs, what);
  };
  const std::int64_t window = config.model.context + 1;
  data::TokenStream train = tokenize(documents, "data.train " + config.data.train);
  if (config.data.val.empty() && config.text.val_fraction > 0.0) {
    auto [head, tail] = data::split_by_position(train, config.text.val_fraction, window);
    task->set_text(Split::train, std::move(head));
    task->set_text(Split::val, std::move(tail));
  } else {
    task->set_text(Split::train, std::move(train));
    if (!config.data.val.empty()) {
      task->set_text(Split::val, tokenize(data::read_documents(config.data.val), "data.val " + config.data.val));
    }
  }
  if (!config.data.test.empty()) {
    task->set_text(Split::test, tokenize(data::read_documents(config.data.test), "data.test " + config.data.test));
  }
  if (static_cast<std::int64_t>(task->texts_.at(Split::train).tokens.size()) < window) {
    throw UserError("data.train has " + std::to_string(task->texts_.at(Split::train).tokens.size()) +
                    " tokens, fewer than one window of model.context + 1 = " + std::to_string(window));
  }
  return task;
}

std::filesystem::path LanguageModelTask::tokenizer_path(const run::RunDirectory& run) {
  return run.path() / "tokenizer.json";
}

std::unique_ptr<LanguageModelTask> LanguageModelTask::from_run_directory(const run::RunDirectory& run,
                                                                         torch::Device device, bool last_weights) {
  const config::ExperimentConfig config = run.read_config();
  if (!config.is_language_model())
    throw UserError(run.path().string() + " is not a language-model run (model.name is " +
                    config::to_string(config.model.name) + ")");
  std::unique_ptr<LanguageModelTask> task(new LanguageModelTask(config, text::load_tokenizer(tokenizer_path(run)), device));
  const auto path = last_weights ? run.last_weights_path() : run.weights_path();
  if (!std::filesystem::exists(path)) throw UserError(path.string() + " not found: the run has not finished an epoch yet");
  models::load_state_dict(*task->gpt_, models::load_safetensors(path).tensors);
  task->gpt_->eval();
  return task;
}

data::TokenStream LanguageModelTask::tokenize(const std::vector<std::string>& documents, const std::string& what,
                                              text::EncodeReport* report) const {
  text::EncodeReport mine;
  data::TokenStream stream;
  for (std::size_t d = 0; d < documents.size(); ++d) {
    try {
      data::TokenStream one = data::tokenize_documents({documents[d]}, *tokenizer_, &mine);
      if (d > 0) stream.tokens.push_back(tokenizer_->eot_id());
      stream.tokens.insert(stream.tokens.end(), one.tokens.begin(), one.tokens.end());
      stream.characters += one.characters;
      stream.bytes += one.bytes;
    } catch (const DecodeError& e) {
      throw DecodeError(document_name(what, d, documents.size()) + ": " + e.what());
    } catch (const UserError& e) {  // e.g. a character outside a char vocabulary (text.unknown: error)
      throw UserError(document_name(what, d, documents.size()) + ": " + e.what());
    }
  }
  log_report(what, mine);
  if (report != nullptr) {
    report->replaced_sequences += mine.replaced_sequences;
    report->kept_bytes += mine.kept_bytes;
    report->unknown_characters += mine.unknown_characters;
    report->skipped_characters += mine.skipped_characters;
  }
  return stream;
}

void LanguageModelTask::set_text(Split split, data::TokenStream stream) {
  texts_[split] = std::move(stream);
  cursors_.erase(split);
  shards_.erase(split);
}

void LanguageModelTask::set_test_text(data::TokenStream text, std::int64_t stride) {
  const std::int64_t context = config_.model.context;
  if (stride < 0 || stride > context) {
    throw UserError("--stride must be between 1 and the model's context (" + std::to_string(context) + "), got " +
                    std::to_string(stride));
  }
  const auto tokens = static_cast<std::int64_t>(text.tokens.size());
  if (tokens < 2) throw UserError("the text encodes to " + std::to_string(tokens) + " token(s): nothing to predict");
  set_eval_stride(static_cast<int>(stride == 0 ? context : stride));
  set_text(Split::test, std::move(text));
}

std::string LanguageModelTask::set_test_data(const std::filesystem::path& data, std::int64_t stride) {
  test_encoding_ = {};
  data::TokenStream text = tokenize(data::read_documents(data), data.string(), &test_encoding_);
  const std::size_t tokens = text.tokens.size();
  set_test_text(std::move(text), stride);
  test_source_ = data.string();
  return std::to_string(tokens) + " tokens of " + test_source_ + ", window " + std::to_string(config_.model.context) +
         ", stride " + std::to_string(eval_stride());
}

void LanguageModelTask::add_to_report(nlohmann::json& report, Split split) const {
  const data::TokenStream* stream = text(split);
  if (stream == nullptr) return;
  const std::int64_t context = config_.model.context;
  const double nll_sum = report.value("nll_sum", std::numeric_limits<double>::quiet_NaN());
  report["characters"] = stream->characters;
  report["bits_per_character"] = stream->characters > 0
                                     ? nll_sum / (std::log(2.0) * static_cast<double>(stream->characters))
                                     : std::numeric_limits<double>::quiet_NaN();
  report["window"] = context;
  report["stride"] = eval_stride();
  report["windows"] =
      data::evaluation_windows(static_cast<std::int64_t>(stream->tokens.size()), context, eval_stride()).size();
  report["tokenizer"] = std::string(tokenizer_->type());
  // report.html's language-model page reads these at the top level.
  if (report.contains("throughput")) {
    const nlohmann::json& throughput = report["throughput"];
    report["batch_size"] = throughput.value("batch_size", config_.eval.batch_size);
    report["seconds"] = throughput.value("seconds", 0.0);
    report["tokens_per_second"] = throughput.value("tokens_per_second", 0.0);
  }
  if (split == Split::test && !test_source_.empty()) {
    report["data"] = test_source_;
    report["encoding"] = {{"replaced_sequences", test_encoding_.replaced_sequences},
                          {"kept_bytes", test_encoding_.kept_bytes},
                          {"unknown_characters", test_encoding_.unknown_characters},
                          {"skipped_characters", test_encoding_.skipped_characters}};
  }
}

std::string LanguageModelTask::report_summary(const nlohmann::json& report) const {
  const auto number = [&](const char* key) { return report_number(report, key); };
  return "loss " + fixed(number("loss")) + " nats/token, perplexity " + fixed(number("perplexity"), 3) + ", " +
         fixed(number("bits_per_character"), 3) + " bits/character over " +
         std::to_string(report.value("tokens", std::int64_t{0})) + " tokens (window " +
         std::to_string(report.value("window", std::int64_t{0})) + ", stride " +
         std::to_string(report.value("stride", std::int64_t{0})) + ")";
}

const data::TokenStream* LanguageModelTask::text(Split split) const {
  const auto it = texts_.find(split);
  return it == texts_.end() ? nullptr : &it->second;
}

torch::Tensor LanguageModelTask::loss(const torch::Tensor& outputs, const torch::Tensor& targets) {
  return torch::nn::functional::cross_entropy(outputs.reshape({-1, outputs.size(-1)}).to(torch::kFloat32),
                                              targets.reshape({-1}),
                                              torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kIgnore));
}

bool LanguageModelTask::has_split(Split split) const {
  const auto* stream = text(split);
  return stream != nullptr && stream->tokens.size() >= 2;
}

std::int64_t LanguageModelTask::eval_stride() const {
  return config_.text.eval_stride > 0 ? config_.text.eval_stride : config_.model.context;
}

std::size_t LanguageModelTask::batches_per_epoch(Split split) const {
  if (split == Split::train) return static_cast<std::size_t>(config_.text.steps_per_epoch);
  const auto batch = static_cast<std::size_t>(config_.eval.batch_size);
  return (sharded_windows(split).size() + batch - 1) / batch;
}

LanguageModelTask::Shard LanguageModelTask::shard_of(Split split) const {
  const auto it = shards_.find(split);
  return it == shards_.end() ? Shard{} : it->second;
}

std::vector<data::EvalWindow> LanguageModelTask::sharded_windows(Split split) const {
  const auto* stream = text(split);
  if (stream == nullptr) return {};
  auto windows =
      data::evaluation_windows(static_cast<std::int64_t>(stream->tokens.size()), config_.model.context, eval_stride());
  const Shard shard = shard_of(split);
  if (shard.world == 1) return windows;
  std::vector<std::size_t> order(windows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<data::EvalWindow> mine;
  for (const std::size_t i : data::shard(order, shard.rank, shard.world, data::ShardPadding::none)) {
    mine.push_back(windows[i]);
  }
  return mine;
}

std::size_t LanguageModelTask::examples(Split split) const {
  const auto* stream = text(split);
  if (stream == nullptr) return 0;
  // An evaluation pass scores every token but the first (it has no history); training counts
  // the text it samples from.
  return split == Split::train ? stream->tokens.size() : std::max<std::size_t>(stream->tokens.size(), 1) - 1;
}

void LanguageModelTask::start_epoch(Split split, std::int64_t epoch, std::size_t skip_batches) {
  Cursor cursor;
  cursor.epoch = epoch;
  if (split != Split::train && has_split(split)) cursor.windows = sharded_windows(split);
  // Training steps draw their windows from (seed, epoch, step) alone, so skipping is a counter;
  // evaluation skips whole batches of windows.
  cursor.next = split == Split::train
                    ? std::min(skip_batches, static_cast<std::size_t>(config_.text.steps_per_epoch))
                    : std::min(skip_batches * static_cast<std::size_t>(config_.eval.batch_size), cursor.windows.size());
  cursors_[split] = std::move(cursor);
}

void LanguageModelTask::shard(Split split, int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world) {
    throw UserError(std::string(split_name(split)) + " shard " + std::to_string(rank) + " of " + std::to_string(world) +
                    " does not exist");
  }
  shards_[split] = Shard{rank, world};
}

std::optional<TaskBatch> LanguageModelTask::next_batch(Split split) {
  if (!has_split(split)) return std::nullopt;
  auto it = cursors_.find(split);
  if (it == cursors_.end()) {
    start_epoch(split, 0);
    it = cursors_.find(split);
  }
  Cursor& cursor = it->second;
  const auto& tokens = texts_.at(split).tokens;
  const std::int64_t context = config_.model.context;
  const std::int64_t batch = split == Split::train ? config_.data.batch_size : config_.eval.batch_size;
  torch::Tensor inputs, targets;
  if (split == Split::train) {
    if (cursor.next >= static_cast<std::size_t>(config_.text.steps_per_epoch)) return std::nullopt;
    const auto size = static_cast<std::int64_t>(tokens.size());
    const auto step = static_cast<std::int64_t>(cursor.next);
    const std::int64_t stride = config_.text.train_stride > 0 ? config_.text.train_stride : context;
    const Shard shard = shard_of(Split::train);
    const std::int64_t global = batch * shard.world;  // the whole job's batch; this rank's block below
    const auto all_starts =
        config_.text.sampling == config::WindowSampling::sequential
            ? data::sequential_window_starts(size, context + 1, global, stride, config_.text.steps_per_epoch,
                                             cursor.epoch, step)
            : data::random_window_starts(size, context + 1, global, config_.runtime.seed, cursor.epoch, step);
    const std::vector<std::int64_t> starts(all_starts.begin() + shard.rank * batch,
                                           all_starts.begin() + (shard.rank + 1) * batch);
    ++cursor.next;
    inputs = torch::empty({batch, context}, torch::kLong);
    targets = torch::empty({batch, context}, torch::kLong);
    auto in = inputs.accessor<std::int64_t, 2>();
    auto out = targets.accessor<std::int64_t, 2>();
    for (std::int64_t b = 0; b < batch; ++b) {
      const auto* window = tokens.data() + starts[static_cast<std::size_t>(b)];
      for (std::int64_t t = 0; t < context; ++t) {
        in[b][t] = window[t];
        out[b][t] = window[t + 1];
      }
    }
  } else {
    if (cursor.next >= cursor.windows.size()) return std::nullopt;
    const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(batch), cursor.windows.size() - cursor.next);
    std::int64_t length = 0;
    for (std::size_t i = 0; i < count; ++i) length = std::max(length, cursor.windows[cursor.next + i].length);
    // Short windows are padded at the end: causal attention keeps the padding out of real positions.
    inputs = torch::full({static_cast<std::int64_t>(count), length}, tokenizer_->pad_id(), torch::kLong);
    targets = torch::full({static_cast<std::int64_t>(count), length}, kIgnore, torch::kLong);
    auto in = inputs.accessor<std::int64_t, 2>();
    auto out = targets.accessor<std::int64_t, 2>();
    for (std::size_t i = 0; i < count; ++i) {
      const data::EvalWindow& w = cursor.windows[cursor.next + i];
      for (std::int64_t t = 0; t < w.length; ++t) {
        in[static_cast<std::int64_t>(i)][t] = tokens[static_cast<std::size_t>(w.start + t)];
        const std::int64_t target = w.start + t + 1;
        if (target >= w.first_scored) out[static_cast<std::int64_t>(i)][t] = tokens[static_cast<std::size_t>(target)];
      }
    }
    cursor.next += count;
  }
  TaskBatch result;
  result.inputs = inputs.to(device_);
  result.targets = targets.to(device_);
  return result;
}

std::unique_ptr<Evaluation> LanguageModelTask::new_evaluation() const {
  return std::make_unique<LanguageModelEvaluation>();
}

void LanguageModelTask::write_to_run(const run::RunDirectory& run) const { tokenizer_->save(tokenizer_path(run)); }

std::map<std::string, std::string> LanguageModelTask::weights_metadata() const {
  return {{"task", "language_model"},
          {"model", "gpt"},
          {"tokenizer", std::string(tokenizer_->type())},
          {"vocab_size", std::to_string(tokenizer_->vocab_size())},
          {"context", std::to_string(config_.model.context)}};
}

}  // namespace tessera::tasks
