#include "tessera/eval/compare.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "tessera/core/atomic_file.h"
#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/core/progress.h"
#include "tessera/data/dataset.h"
#include "tessera/eval/graphed_forward.h"
#include "tessera/eval/sample_reference.h"
#include "tessera/metrics/classification.h"
#include "tessera/metrics/paired.h"
#include "tessera/report/report_page.h"
#include "tessera/run/run_directory.h"
#include "tessera/tasks/classification.h"
#include "tessera/tasks/classification_evaluation.h"
#include "tessera/tasks/family.h"

namespace tessera::eval {
namespace {

struct RunPredictions {
  std::string name;  // the run folder's name
  std::map<std::int64_t, tasks::SampleRecord> by_index;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// One run over the dataset, through its own preprocessing, exactly as `tessera eval` runs it.
RunPredictions predict(const run::RunDirectory& run, const data::ClassificationDataset& dataset,
                       const CompareRequest& request, torch::Device device) {
  auto task = tasks::ClassificationTask::from_run_directory(run, device);
  if (request.batch_size > 0) task->mutable_config().eval.batch_size = request.batch_size;
  task->set_dataset(tasks::Split::test, dataset);
  const c10::InferenceMode inference;
  GraphedForward forward(*task, /*use_graphs=*/false);
  tasks::ClassificationEvaluation evaluation(task->classes(), task->config().eval);
  RunPredictions out{run.path().filename().string(), {}};
  Progress bar(out.name, static_cast<std::int64_t>(dataset.samples.size()), "img", 1000);
  std::int64_t unreadable = 0;
  task->start_epoch(tasks::Split::test, 0);
  while (auto batch = task->next_batch(tasks::Split::test)) {
    unreadable += static_cast<std::int64_t>(batch->failures.size());
    if (batch->inputs.size(0) > 0) evaluation.update(forward(batch->inputs), *batch);
    bar.update(evaluation.count() + unreadable);
  }
  bar.finish();
  if (unreadable > 0) log::warn(out.name, ": ", unreadable, " sample(s) could not be read and were skipped");
  for (const auto& record : evaluation.records()) out.by_index.emplace(record.index, record);
  return out;
}

// Per-class precision / recall / F1 of one model's predictions, by ClassificationMetrics' own
// formulas: a one-hot score row makes its argmax the predicted class (the loss is meaningless).
std::vector<metrics::ClassificationMetrics::PerClass> per_class(const std::vector<std::string>& classes,
                                                                const std::vector<std::int64_t>& targets,
                                                                const std::vector<std::int64_t>& predicted) {
  metrics::ClassificationMetrics m(classes, 1);
  const auto n = static_cast<std::int64_t>(targets.size());
  const auto scores = torch::one_hot(torch::tensor(predicted, torch::kLong), static_cast<std::int64_t>(classes.size()))
                          .to(torch::kDouble)
                          .reshape({n, static_cast<std::int64_t>(classes.size())});
  m.update(scores, torch::tensor(targets, torch::kLong));
  return m.per_class();
}

nlohmann::json scores_json(const metrics::ClassificationMetrics::PerClass& row) {
  return {{"precision", row.precision}, {"recall", row.recall}, {"f1", row.f1}};
}

std::string signed_points(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f", 100.0 * fraction);
  return text;
}

std::string format_p(double p) {
  char text[32];
  if (p >= 0.001) {
    std::snprintf(text, sizeof text, "%.3f", p);
  } else {
    std::snprintf(text, sizeof text, "%.1e", p);
  }
  return text;
}

std::string percent(double confidence) {
  char text[16];
  std::snprintf(text, sizeof text, "%g%%", 100.0 * confidence);
  return text;
}

}  // namespace

nlohmann::json compare_verdict(double difference, double low, double high, double p_value, double confidence) {
  const bool significant = p_value < 1.0 - confidence && (low > 0.0 || high < 0.0);
  const std::string ci = percent(confidence) + " CI ";
  const std::string p = "McNemar p = " + format_p(p_value);
  if (!significant) {
    return {{"ship", "either"},
            {"significant", false},
            {"text", "no significant difference: either (B - A " + signed_points(difference) + " points, " + ci +
                         signed_points(low) + " to " + signed_points(high) + ", " + p + ")"}};
  }
  // The winner's gain over the other, with the interval turned the same way.
  const bool b_wins = difference > 0.0;
  const double gain = b_wins ? difference : -difference;
  const double gain_low = b_wins ? low : -high;
  const double gain_high = b_wins ? high : -low;
  return {{"ship", b_wins ? "b" : "a"},
          {"significant", true},
          {"text", std::string("ship ") + (b_wins ? "B" : "A") + ": " + signed_points(gain) + " points (" + ci +
                       signed_points(gain_low) + " to " + signed_points(gain_high) + "), " + p}};
}

CompareResult compare_runs(const CompareRequest& request) {
  if (request.bootstrap < 1) throw UserError("--bootstrap must be >= 1, got " + std::to_string(request.bootstrap));
  if (!(request.confidence > 0.0 && request.confidence < 1.0)) {
    throw UserError("the confidence must be between 0 and 1, got " + std::to_string(request.confidence));
  }
  const auto run_a = run::RunDirectory::open(request.run_a);
  const auto run_b = run::RunDirectory::open(request.run_b);
  for (const auto* run : {&run_a, &run_b}) {
    const tasks::TaskFamily& family = tasks::family_of(run->read_config());
    tasks::require_service(*run, family, family.paired_comparison, "compare works on classification runs");
  }
  const auto classes = run_a.read_labels();
  if (run_b.read_labels() != classes) {
    throw UserError("the runs have different class names (" + run_a.path().string() + ": " + join(classes) + "; " +
                    run_b.path().string() + ": " + join(run_b.read_labels()) +
                    "); compare needs two runs trained on the same classes");
  }
  const torch::Device device = resolve_device(request.device);
  const data::ClassificationDataset dataset = data::load_dataset(request.data, classes);
  log::info("compare on ", describe_device(device), ": ", dataset.samples.size(), " samples of ", path_hint(dataset));
  const RunPredictions a = predict(run_a, dataset, request, device);
  const RunPredictions b = predict(run_b, dataset, request, device);

  // The samples both runs read, in dataset order (the bootstrap's draws depend on the order).
  std::vector<int> a_correct, b_correct;
  std::vector<std::int64_t> targets, a_predicted, b_predicted;
  for (const auto& [index, ra] : a.by_index) {
    const auto it = b.by_index.find(index);
    if (it == b.by_index.end()) continue;
    const tasks::SampleRecord& rb = it->second;
    a_correct.push_back(ra.correct() ? 1 : 0);
    b_correct.push_back(rb.correct() ? 1 : 0);
    targets.push_back(ra.target);
    a_predicted.push_back(ra.predicted);
    b_predicted.push_back(rb.predicted);
  }
  if (targets.empty()) throw UserError("no sample of " + request.data.string() + " could be read by both runs");

  const auto n = static_cast<std::int64_t>(targets.size());
  std::int64_t a_right = 0, b_right = 0, a_only = 0, b_only = 0;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    a_right += a_correct[i];
    b_right += b_correct[i];
    a_only += a_correct[i] && !b_correct[i];
    b_only += b_correct[i] && !a_correct[i];
  }
  const double a_accuracy = static_cast<double>(a_right) / static_cast<double>(n);
  const double b_accuracy = static_cast<double>(b_right) / static_cast<double>(n);
  const double difference = static_cast<double>(b_right - a_right) / static_cast<double>(n);
  const auto interval = metrics::paired_bootstrap(a_correct, b_correct, request.bootstrap, request.confidence, request.seed);
  const auto test = metrics::mcnemar(a_only, b_only);

  nlohmann::json per_class_json = nlohmann::json::array();
  const auto rows_a = per_class(classes, targets, a_predicted);
  const auto rows_b = per_class(classes, targets, b_predicted);
  for (std::size_t k = 0; k < classes.size(); ++k) {
    per_class_json.push_back({{"name", classes[k]},
                              {"support", rows_a[k].support},
                              {"a", scores_json(rows_a[k])},
                              {"b", scores_json(rows_b[k])},
                              {"delta_recall", rows_b[k].recall - rows_a[k].recall},
                              {"delta_f1", rows_b[k].f1 - rows_a[k].f1}});
  }

  CompareResult result;
  result.compare = {
      {"count", n},
      {"data", data_summary(dataset)},
      {"runs",
       {{"a", {{"name", a.name}, {"accuracy", a_accuracy}, {"correct", a_right}}},
        {"b", {{"name", b.name}, {"accuracy", b_accuracy}, {"correct", b_right}}}}},
      {"accuracy_difference", difference},
      {"bootstrap",
       {{"resamples", interval.resamples},
        {"confidence", interval.confidence},
        {"seed", interval.seed},
        {"low", interval.low},
        {"high", interval.high}}},
      {"mcnemar",
       {{"a_only", test.a_only},
        {"b_only", test.b_only},
        {"method", test.method},
        {"statistic", std::isfinite(test.statistic) ? nlohmann::json(test.statistic) : nlohmann::json(nullptr)},
        {"p_value", test.p_value}}},
      {"per_class", std::move(per_class_json)},
      {"verdict", compare_verdict(difference, interval.low, interval.high, test.p_value, request.confidence)}};

  const std::filesystem::path out_dir = request.output_dir.empty() ? std::filesystem::current_path() : request.output_dir;
  std::filesystem::create_directories(out_dir);
  result.json_path = out_dir / "compare.json";
  result.html_path = out_dir / "compare.html";
  write_file_atomic(result.json_path, result.compare.dump(2) + "\n");
  write_file_atomic(result.html_path, report::render_compare_html(result.compare));

  std::string s;
  s += "compared on " + path_hint(dataset) + ": " + std::to_string(n) + " samples read by both runs\n";
  s += "  A " + a.name + ": accuracy " + fixed(a_accuracy) + " (" + std::to_string(a_right) + "/" + std::to_string(n) + ")\n";
  s += "  B " + b.name + ": accuracy " + fixed(b_accuracy) + " (" + std::to_string(b_right) + "/" + std::to_string(n) + ")\n";
  s += "  B - A: " + signed_points(difference) + " points, " + percent(request.confidence) + " paired bootstrap CI " +
       signed_points(interval.low) + " to " + signed_points(interval.high) + " (" + std::to_string(interval.resamples) +
       " resamples, seed " + std::to_string(interval.seed) + ")\n";
  s += "  McNemar (" + std::string(test.method == "exact" ? "exact binomial" : "chi-square, continuity-corrected") +
       "): A only right " + std::to_string(a_only) + ", B only right " + std::to_string(b_only) + ", p = " +
       format_p(test.p_value) + "\n";
  s += "  recall by class (A -> B):";
  for (std::size_t k = 0; k < classes.size(); ++k) {
    s += std::string(k % 5 == 0 ? "\n   " : "") + " " + classes[k] + " " + fixed(rows_a[k].recall, 3) + "->" +
         fixed(rows_b[k].recall, 3);
  }
  s += "\n  verdict: " + result.compare["verdict"]["text"].get<std::string>();
  result.summary = s;
  return result;
}

}  // namespace tessera::eval
