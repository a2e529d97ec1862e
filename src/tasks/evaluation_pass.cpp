#include "tessera/tasks/evaluation_pass.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "tessera/core/device.h"
#include "tessera/core/progress.h"
#include "tessera/dist/group.h"
#include "tessera/tasks/batch_timer.h"
#include "tessera/tasks/graphed_forward.h"

namespace tessera::tasks {
namespace {

// Every rank's values, concatenated in rank order.
std::vector<double> gather_column(dist::Group& group, const std::vector<double>& values) {
  const torch::Tensor rows =
      group.gather_rows(torch::tensor(values, torch::kFloat64).reshape({static_cast<std::int64_t>(values.size()), 1}));
  return {rows.data_ptr<double>(), rows.data_ptr<double>() + rows.numel()};
}

}  // namespace

PassResult evaluate_pass(Task& task, Split split, const PassOptions& options) {
  // Inference mode skips autograd's bookkeeping entirely (cheaper than NoGradGuard).
  std::optional<c10::InferenceMode> inference;
  std::optional<torch::NoGradGuard> no_grad;
  if (options.inference_mode) {
    inference.emplace();
  } else {
    no_grad.emplace();
  }
  task.module().eval();
  GraphedForward forward(task, options.cuda_graphs);
  BatchTimer timer(task.device());
  PassResult result;
  result.evaluation = task.new_evaluation();
  Evaluation& evaluation = *result.evaluation;
  // A rank in a group scores a share whose size it does not know ahead: the bar counts up.
  std::optional<Progress> bar;
  if (options.progress) {
    const auto total = options.group ? 0 : static_cast<std::int64_t>(task.examples(split));
    // Plain-line logging (not on a terminal) about every 5%, and every 10,000 units when open-ended.
    bar.emplace(options.progress_label, total, task.unit(),
                total > 0 ? std::max<std::int64_t>(1000, total / 20) : 10000);
  }
  const auto start = std::chrono::steady_clock::now();
  task.start_epoch(split, options.epoch);
  try {
    while (true) {
      // The loader decodes ahead on its threads and uploads on a side stream, so on a GPU the
      // next batch is in flight while this one runs; nothing here waits for the device.
      timer.start();
      auto batch = task.next_batch(split);
      if (!batch) break;
      result.unreadable += static_cast<std::int64_t>(batch->failures.size());
      if (batch->inputs.size(0) == 0) continue;  // every sample of the batch failed to decode
      const torch::Tensor outputs = forward(batch->inputs);
      timer.stop();
      evaluation.update(outputs, *batch);
      if (bar) bar->update(evaluation.count() + result.unreadable);
    }
  } catch (const c10::OutOfMemoryError& error) {
    throw out_of_memory_error(error, task.device(), options.batch_size, options.batch_size_key);
  }
  result.batch_ms = timer.milliseconds();  // waits for the device
  if (bar) bar->finish();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.latency_clock = timer.clock();
  result.graph_replays = forward.replays();
  result.graphs_enabled = forward.graphs_enabled();
  if (options.group) {
    // The whole split's evaluation on every rank, every rank's batch latencies, the slowest
    // rank's time (the job is done when it is), and every unreadable sample.
    dist::Group& group = *options.group;
    combine_across_ranks(evaluation, group);
    result.batch_ms = gather_column(group, result.batch_ms);
    const std::vector<double> times = gather_column(group, {result.seconds});
    result.seconds = *std::max_element(times.begin(), times.end());
    result.unreadable = static_cast<std::int64_t>(group.sum({static_cast<double>(result.unreadable)})[0]);
  }
  return result;
}

}  // namespace tessera::tasks
