#include "tessera/eval/language_model_eval.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

#include "tessera/core/atomic_file.h"
#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/core/progress.h"
#include "tessera/dist/group.h"
#include "tessera/eval/graphed_forward.h"
#include "tessera/report/run_report.h"

namespace tessera::eval {

nlohmann::json evaluate_text(tasks::LanguageModelTask& task, data::TokenStream text, std::int64_t stride,
                             bool cuda_graphs, dist::Group* group) {
  const std::int64_t context = task.config().model.context;
  if (stride < 0 || stride > context) {
    throw UserError("--stride must be between 1 and the model's context (" + std::to_string(context) + "), got " +
                    std::to_string(stride));
  }
  if (stride == 0) stride = context;
  const auto tokens = static_cast<std::int64_t>(text.tokens.size());
  if (tokens < 2) throw UserError("the text encodes to " + std::to_string(tokens) + " token(s): nothing to predict");
  const std::int64_t characters = text.characters;
  const std::size_t windows = data::evaluation_windows(tokens, context, stride).size();
  task.set_eval_stride(static_cast<int>(stride));
  task.set_text(tasks::Split::test, std::move(text));
  if (group) task.shard(tasks::Split::test, group->rank(), group->size());

  // Inference mode: no autograd bookkeeping at all (cheaper than NoGradGuard).
  const c10::InferenceMode inference;
  task.module().eval();
  GraphedForward forward(task, cuda_graphs);  // bf16 autocast via task.compute(), float32 logits
  auto evaluation = task.new_evaluation();
  Progress bar("eval", group ? 0 : tokens - 1, "tok", 100000);  // a rank scores an unknown share
  const auto start = std::chrono::steady_clock::now();
  task.start_epoch(tasks::Split::test, 0);
  while (auto batch = task.next_batch(tasks::Split::test)) {
    evaluation->update(forward(batch->inputs), batch->targets);  // waits for the device (.item())
    bar.update(evaluation->count());
  }
  bar.finish();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (group) {  // the whole text's sums on every rank; the job took as long as its slowest rank
    tasks::combine_across_ranks(*evaluation, *group);
    const torch::Tensor times = group->gather_rows(torch::full({1, 1}, seconds, torch::kFloat64));
    seconds = times.max().item<double>();
  }

  nlohmann::json report = evaluation->report();
  const double nll_sum = report.at("nll_sum").get<double>();
  report["characters"] = characters;
  report["bits_per_character"] = characters > 0 ? nll_sum / (std::log(2.0) * static_cast<double>(characters))
                                                : std::numeric_limits<double>::quiet_NaN();
  report["window"] = context;
  report["stride"] = stride;
  report["windows"] = windows;
  report["batch_size"] = task.config().eval.batch_size;
  report["seconds"] = seconds;
  report["processes"] = group ? group->size() : 1;
  report["tokens_per_second"] = seconds > 0 ? static_cast<double>(evaluation->count()) / seconds : 0.0;
  return report;
}

EvalResult evaluate_language_model(const EvalRequest& request) {
  const auto run = run::RunDirectory::open(request.run_dir);
  const torch::Device device = process_device(request);
  auto task = tasks::LanguageModelTask::from_run_directory(run, device, request.last_weights);
  if (request.batch_size > 0) task->set_eval_batch_size(request.batch_size);
  const bool graphs = request.cuda_graphs || task->config().eval.cuda_graphs;

  text::EncodeReport encoded;
  data::TokenStream text = task->tokenize(data::read_documents(request.data), request.data.string(), &encoded);
  log::info("eval on ", describe_device(device), " (", describe_compute(task->compute()), graphs ? ", CUDA graphs" : "",
            "): ", text.tokens.size(), " tokens of ", request.data.string(), ", window ", task->config().model.context,
            ", stride ", request.stride > 0 ? request.stride : task->config().model.context, ", batch ",
            task->config().eval.batch_size);
  nlohmann::json report = evaluate_text(*task, std::move(text), request.stride, graphs, request.group);
  if (request.group && !request.group->is_main()) return {};  // rank 0 writes the report
  report["run"] = run.path().filename().string();
  report["weights"] = request.last_weights ? "last" : "best";
  report["data"] = request.data.string();
  report["device"] = describe_device(device);
  report["precision"] = describe_compute(task->compute());
  report["tokenizer"] = std::string(task->tokenizer().type());
  report["encoding"] = {{"replaced_sequences", encoded.replaced_sequences},
                        {"kept_bytes", encoded.kept_bytes},
                        {"unknown_characters", encoded.unknown_characters},
                        {"skipped_characters", encoded.skipped_characters}};

  const std::filesystem::path out_dir = request.output_dir.empty() ? run.path() : request.output_dir;
  EvalResult result{report, out_dir / "report.json", {}, {}};
  write_file_atomic(result.report_path, report.dump(2) + "\n");
  result.artifact_paths.push_back(out_dir / "report.html");
  report::write_report_html(result.artifact_paths.back(), report, run.path());
  const auto number = [&](const char* key) { return report.value(key, std::numeric_limits<double>::quiet_NaN()); };
  result.summary = "loss " + fixed(number("loss")) + " nats/token, perplexity " + fixed(number("perplexity"), 3) +
                   ", " + fixed(number("bits_per_character"), 3) + " bits/character over " +
                   std::to_string(report["tokens"].get<std::int64_t>()) + " tokens (window " +
                   std::to_string(report["window"].get<std::int64_t>()) + ", stride " +
                   std::to_string(report["stride"].get<std::int64_t>()) + ")";
  log::info("eval: ", result.summary, ", ", fixed(number("tokens_per_second"), 0), " tokens/s");
  return result;
}

}  // namespace tessera::eval
