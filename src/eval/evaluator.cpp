#include "tessera/eval/evaluator.h"

#include <algorithm>

#include "tessera/core/atomic_file.h"
#include "tessera/core/compute.h"
#include "tessera/core/device.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/dist/group.h"
#include "tessera/metrics/latency.h"
#include "tessera/report/run_report.h"
#include "tessera/tasks/family.h"

namespace tessera::eval {

torch::Device process_device(const EvalRequest& request) {
  const torch::Device device = resolve_device(request.device);
  if (request.group && device.is_cuda()) {
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(request.group->local_rank()));
  }
  return device;
}

SplitEvaluation evaluate_split(tasks::Task& task, tasks::Split split, const tasks::PassOptions& options) {
  const tasks::PassResult pass = tasks::evaluate_pass(task, split, options);
  const std::int64_t count = pass.evaluation->count();
  const auto batch_size = std::max<std::int64_t>(1, options.batch_size);
  std::vector<double> row_ms;
  row_ms.reserve(pass.batch_ms.size());
  for (double ms : pass.batch_ms) row_ms.push_back(ms / static_cast<double>(batch_size));

  nlohmann::json report = pass.evaluation->report();
  const std::string unit = task.unit();
  report["processes"] = options.group ? options.group->size() : 1;
  report["unreadable"] = pass.unreadable;
  report["throughput"] = {{unit, count},
                          {"seconds", pass.seconds},
                          {unit + "_per_second", pass.seconds > 0 ? static_cast<double>(count) / pass.seconds : 0.0},
                          {"batch_size", options.batch_size}};
  report["precision"] = describe_compute(task.compute());
  report["cuda_graph_replays"] = pass.graph_replays;
  report["latency_clock"] = pass.latency_clock;  // "gpu": stream time per batch; "wall": host time
  report["batch_latency_ms"] = metrics::to_json(metrics::summarize_latencies(pass.batch_ms));
  report["item_latency_ms"] = metrics::to_json(metrics::summarize_latencies(row_ms));
  task.add_to_report(report, split);
  return {std::move(report), pass.evaluation->artifacts()};
}

EvalResult evaluate(const EvalRequest& request) {
  const auto run = run::RunDirectory::open(request.run_dir);
  const config::ExperimentConfig config = run.read_config();
  const torch::Device device = process_device(request);
  auto task = tasks::family_of(config).from_run(run, device, request.last_weights);
  if (request.batch_size > 0) task->set_eval_batch_size(request.batch_size);
  const std::string read = task->set_test_data(request.data, request.stride);
  dist::Group* group = request.group;
  if (group) task->shard(tasks::Split::test, group->rank(), group->size());

  tasks::PassOptions options;
  options.cuda_graphs = request.cuda_graphs || config.eval.cuda_graphs;
  options.progress = true;
  options.batch_size = request.batch_size > 0 ? request.batch_size : config.eval.batch_size;
  options.batch_size_key = "eval.batch_size (--batch-size)";
  options.group = group;
  log::info("eval on ", describe_device(device), " (", describe_compute(task->compute()),
            options.cuda_graphs && device.is_cuda() ? ", CUDA graphs" : "", "), batch ", options.batch_size,
            group ? ", " + std::to_string(group->size()) + " processes, each on its shard" : std::string(), ": ", read);
  SplitEvaluation evaluation = evaluate_split(*task, tasks::Split::test, options);
  if (group && !group->is_main()) return {};  // rank 0 writes the report
  nlohmann::json& report = evaluation.report;

  report["run"] = run.path().filename().string();
  report["weights"] = request.last_weights ? "last" : "best";
  report["device"] = describe_device(device);
  const std::filesystem::path out_dir = request.output_dir.empty() ? run.path() : request.output_dir;
  std::string summary = task->report_summary(report);
  EvalResult result{std::move(report), out_dir / "report.json", {out_dir / "report.html"}, std::move(summary)};
  // The mistakes' thumbnails go into the report before report.json is written from it.
  if (const auto images = task->sample_images(tasks::Split::test)) {
    report::add_thumbnails_and_write_html(result.report, *images->dataset, images->options, out_dir / "report.html",
                                          run.path());
  } else {
    report::write_report_html(out_dir / "report.html", result.report, run.path());
  }
  write_file_atomic(result.report_path, result.report.dump(2) + "\n");
  for (const auto& [name, content] : evaluation.artifacts) {
    result.artifact_paths.push_back(out_dir / name);
    write_file_atomic(out_dir / name, content);
  }
  const nlohmann::json& throughput = result.report["throughput"];
  const std::string unit = task->unit();
  log::info("eval: ", result.summary, ", ", fixed(throughput.value(unit + "_per_second", 0.0), 0), " ", unit, "/s");
  const auto unreadable = result.report.value("unreadable", std::int64_t{0});
  if (unreadable > 0) log::warn(unreadable, " sample(s) could not be read and were skipped");
  return result;
}

}  // namespace tessera::eval
