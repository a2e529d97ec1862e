#include "tessera/eval/evaluator.h"

#include <algorithm>
#include <chrono>

#include "tessera/core/atomic_file.h"
#include "tessera/core/compute.h"
#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/core/progress.h"
#include "tessera/data/dataset.h"
#include "tessera/dist/group.h"
#include "tessera/eval/batch_timer.h"
#include "tessera/eval/graphed_forward.h"
#include "tessera/eval/language_model_eval.h"
#include "tessera/eval/sample_reference.h"
#include "tessera/metrics/latency.h"
#include "tessera/report/run_report.h"
#include "tessera/tasks/classification.h"

namespace tessera::eval {
namespace {

// Every rank's values, concatenated in rank order.
std::vector<double> gather_column(dist::Group& group, const std::vector<double>& values) {
  const torch::Tensor rows = group.gather_rows(
      torch::tensor(values, torch::kFloat64).reshape({static_cast<std::int64_t>(values.size()), 1}));
  return {rows.data_ptr<double>(), rows.data_ptr<double>() + rows.numel()};
}

}  // namespace

torch::Device process_device(const EvalRequest& request) {
  const torch::Device device = resolve_device(request.device);
  if (request.group && device.is_cuda()) {
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(request.group->local_rank()));
  }
  return device;
}

EvalResult evaluate(const EvalRequest& request) {
  const auto run = run::RunDirectory::open(request.run_dir);
  if (run.read_config().is_language_model()) return evaluate_language_model(request);
  if (request.stride != 0) {
    throw UserError("--stride applies to language-model runs; " + run.path().string() + " classifies images");
  }
  const torch::Device device = process_device(request);
  auto task = tasks::ClassificationTask::from_run_directory(run, device, request.last_weights);
  if (request.batch_size > 0) task->set_eval_batch_size(request.batch_size);
  // Kept beside the loader's copy: the report names samples (its mistakes) by dataset index.
  const data::ClassificationDataset dataset = data::load_dataset(request.data, task->classes());
  task->set_dataset(tasks::Split::test, dataset);
  dist::Group* group = request.group;
  if (group) task->shard(tasks::Split::test, group->rank(), group->size());

  // Inference mode: no autograd bookkeeping at all (cheaper than NoGradGuard).
  const c10::InferenceMode inference;
  GraphedForward forward(*task, request.cuda_graphs || task->config().eval.cuda_graphs);
  BatchTimer timer(device);
  auto evaluation = task->new_evaluation();
  std::int64_t unreadable = 0;
  log::info("eval on ", describe_device(device), " (", describe_compute(task->compute()),
            forward.graphs_enabled() ? ", CUDA graphs" : "", "), batch ", task->config().eval.batch_size,
            group ? ", " + std::to_string(group->size()) + " processes, each on its shard" : std::string());
  Progress bar("eval", static_cast<std::int64_t>(task->examples(tasks::Split::test)), "img", 1000);
  const auto start = std::chrono::steady_clock::now();
  task->start_epoch(tasks::Split::test, 0);
  try {
    while (true) {
      // The loader decodes ahead on its threads and uploads on a side stream, so on a GPU the
      // next batch is in flight while this one runs; nothing here waits for the device.
      timer.start();
      auto batch = task->next_batch(tasks::Split::test);
      if (!batch) break;
      unreadable += static_cast<std::int64_t>(batch->failures.size());
      if (batch->inputs.size(0) == 0) continue;
      const torch::Tensor outputs = forward(batch->inputs);
      timer.stop();
      evaluation->update(outputs, *batch);  // with the rows' dataset indices
      bar.update(evaluation->count() + unreadable);
    }
  } catch (const c10::OutOfMemoryError& error) {
    throw out_of_memory_error(error, device, task->config().eval.batch_size, "eval.batch_size (--batch-size)");
  }
  std::vector<double> batch_ms = timer.milliseconds();  // waits for the device
  bar.finish();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (group) {
    // The whole set's evaluation on every rank, every rank's batch latencies, the slowest rank's
    // time (the job is done when it is), and every unreadable file.
    tasks::combine_across_ranks(*evaluation, *group);
    batch_ms = gather_column(*group, batch_ms);
    const std::vector<double> times = gather_column(*group, {seconds});
    seconds = *std::max_element(times.begin(), times.end());
    unreadable = static_cast<std::int64_t>(group->sum({static_cast<double>(unreadable)})[0]);
    if (!group->is_main()) return {};  // rank 0 writes the report
  }
  std::vector<double> item_ms;
  item_ms.reserve(batch_ms.size());
  for (double ms : batch_ms) item_ms.push_back(ms / task->config().eval.batch_size);

  nlohmann::json report = evaluation->report();
  report["run"] = run.path().filename().string();
  report["weights"] = request.last_weights ? "last" : "best";
  report["device"] = describe_device(device);
  report["processes"] = group ? group->size() : 1;
  report["unreadable"] = unreadable;
  report["throughput"] = {{"images", evaluation->count()},
                          {"seconds", seconds},
                          {"images_per_second", seconds > 0 ? static_cast<double>(evaluation->count()) / seconds : 0.0},
                          {"batch_size", task->config().eval.batch_size}};
  report["precision"] = describe_compute(task->compute());
  report["cuda_graph_replays"] = forward.replays();
  report["latency_clock"] = timer.clock();  // "gpu": stream time per batch; "wall": host time
  report["batch_latency_ms"] = metrics::to_json(metrics::summarize_latencies(batch_ms));
  report["item_latency_ms"] = metrics::to_json(metrics::summarize_latencies(item_ms));
  report["data"] = data_summary(dataset);
  add_mistake_references(report, dataset);

  const std::filesystem::path out_dir = request.output_dir.empty() ? run.path() : request.output_dir;
  // The mistakes' thumbnails go into `report` before report.json is written from it; report.html
  // lands in out_dir beside it.
  tessera::report::add_thumbnails_and_write_html(report, dataset, task->loader_options(tasks::Split::test),
                                                out_dir / "report.html", run.path());

  EvalResult result{report, out_dir / "report.json", {}, "accuracy: " + fixed(evaluation->value("accuracy"))};
  write_file_atomic(result.report_path, report.dump(2) + "\n");
  for (const auto& [name, content] : evaluation->artifacts()) {
    result.artifact_paths.push_back(out_dir / name);
    write_file_atomic(out_dir / name, content);
  }
  log::info("eval: accuracy ", fixed(evaluation->value("accuracy")), ", top-", report.value("top_k", 0), " ",
            fixed(evaluation->value("top_k_accuracy")), ", loss ", fixed(evaluation->value("loss")), " on ",
            evaluation->count(), " images (", fixed(report["throughput"]["images_per_second"].get<double>(), 0),
            " img/s)");
  if (unreadable > 0) log::warn(unreadable, " image(s) could not be read and were skipped");
  return result;
}

}  // namespace tessera::eval
