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
#include "tessera/data/dataset.h"
#include "tessera/data/sample_reference.h"
#include "tessera/metrics/classification.h"
#include "tessera/metrics/paired.h"
#include "tessera/report/report_page.h"
#include "tessera/run/run_directory.h"
#include "tessera/tasks/classification.h"
#include "tessera/tasks/classification_evaluation.h"
#include "tessera/tasks/evaluation_pass.h"
#include "tessera/tasks/family.h"

namespace tessera::eval {
namespace {

struct RunPredictions {
  std::string name;  // the run folder's name
  std::map<std::int64_t, tasks::SampleRecord> by_index;
};

// One run over the dataset, through its own preprocessing, exactly as `tessera eval` runs it.
RunPredictions predict(const run::RunDirectory& run, const data::ClassificationDataset& dataset,
                       const CompareRequest& request, torch::Device device) {
  auto task = tasks::ClassificationTask::from_run_directory(run, device);
  if (request.batch_size > 0) task->set_eval_batch_size(request.batch_size);
  task->set_dataset(tasks::Split::test, dataset);
  RunPredictions out{run.path().filename().string(), {}};
  tasks::PassOptions options;
  options.progress = true;
  options.progress_label = out.name;
  options.batch_size = task->config().eval.batch_size;
  options.batch_size_key = "--batch-size";
  const tasks::PassResult pass = tasks::evaluate_pass(*task, tasks::Split::test, options);
  if (pass.unreadable > 0) log::warn(out.name, ": ", pass.unreadable, " sample(s) could not be read and were skipped");
  const auto& evaluation = dynamic_cast<const tasks::ClassificationEvaluation&>(*pass.evaluation);
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

// The samples both runs read, in dataset order (the bootstrap's draws depend on the order).
struct PairedOutcomes {
  std::vector<int> a_correct, b_correct;
  std::vector<std::int64_t> targets, a_predicted, b_predicted;
};

PairedOutcomes pair_by_index(const RunPredictions& a, const RunPredictions& b) {
  PairedOutcomes paired;
  for (const auto& [index, ra] : a.by_index) {
    const auto it = b.by_index.find(index);
    if (it == b.by_index.end()) continue;
    const tasks::SampleRecord& rb = it->second;
    paired.a_correct.push_back(ra.correct() ? 1 : 0);
    paired.b_correct.push_back(rb.correct() ? 1 : 0);
    paired.targets.push_back(ra.target);
    paired.a_predicted.push_back(ra.predicted);
    paired.b_predicted.push_back(rb.predicted);
  }
  return paired;
}

// What the comparison measured, before it is recorded.
struct Comparison {
  std::int64_t count = 0, a_right = 0, b_right = 0, a_only = 0, b_only = 0;
  metrics::BootstrapInterval interval;
  metrics::McNemarTest test;
  std::vector<metrics::ClassificationMetrics::PerClass> a_classes, b_classes;
};

Comparison compute_comparison(const PairedOutcomes& paired, const std::vector<std::string>& classes,
                              const CompareRequest& request) {
  Comparison c;
  c.count = static_cast<std::int64_t>(paired.targets.size());
  for (std::size_t i = 0; i < paired.targets.size(); ++i) {
    c.a_right += paired.a_correct[i];
    c.b_right += paired.b_correct[i];
    c.a_only += paired.a_correct[i] && !paired.b_correct[i];
    c.b_only += paired.b_correct[i] && !paired.a_correct[i];
  }
  c.interval = metrics::paired_bootstrap(paired.a_correct, paired.b_correct, request.bootstrap, request.confidence,
                                         request.seed);
  c.test = metrics::mcnemar(c.a_only, c.b_only);
  c.a_classes = per_class(classes, paired.targets, paired.a_predicted);
  c.b_classes = per_class(classes, paired.targets, paired.b_predicted);
  return c;
}

// compare.json: everything the summary, the HTML page and a later reader need.
nlohmann::json record_comparison(const Comparison& c, const std::vector<std::string>& classes,
                                 const std::string& a_name, const std::string& b_name, nlohmann::json data,
                                 double confidence) {
  const auto n = static_cast<double>(c.count);
  const double difference = static_cast<double>(c.b_right - c.a_right) / n;
  nlohmann::json per_class_json = nlohmann::json::array();
  for (std::size_t k = 0; k < classes.size(); ++k) {
    per_class_json.push_back({{"name", classes[k]},
                              {"support", c.a_classes[k].support},
                              {"a", scores_json(c.a_classes[k])},
                              {"b", scores_json(c.b_classes[k])},
                              {"delta_recall", c.b_classes[k].recall - c.a_classes[k].recall},
                              {"delta_f1", c.b_classes[k].f1 - c.a_classes[k].f1}});
  }
  return {{"count", c.count},
          {"data", std::move(data)},
          {"runs",
           {{"a", {{"name", a_name}, {"accuracy", static_cast<double>(c.a_right) / n}, {"correct", c.a_right}}},
            {"b", {{"name", b_name}, {"accuracy", static_cast<double>(c.b_right) / n}, {"correct", c.b_right}}}}},
          {"accuracy_difference", difference},
          {"bootstrap",
           {{"resamples", c.interval.resamples},
            {"confidence", c.interval.confidence},
            {"seed", c.interval.seed},
            {"low", c.interval.low},
            {"high", c.interval.high}}},
          {"mcnemar",
           {{"a_only", c.test.a_only},
            {"b_only", c.test.b_only},
            {"method", c.test.method},
            {"statistic", std::isfinite(c.test.statistic) ? nlohmann::json(c.test.statistic) : nlohmann::json(nullptr)},
            {"p_value", c.test.p_value}}},
          {"per_class", std::move(per_class_json)},
          {"verdict", compare_verdict(difference, c.interval.low, c.interval.high, c.test.p_value, confidence)}};
}

// The terminal's lines, from the record alone.
std::string summarize_comparison(const nlohmann::json& r, const std::string& data_hint) {
  const auto count = r["count"].get<std::int64_t>();
  const auto run_line = [&](const char* key) {
    const nlohmann::json& run = r["runs"][key];
    return std::string("  ") + (key[0] == 'a' ? "A " : "B ") + run["name"].get<std::string>() + ": accuracy " +
           fixed(run["accuracy"].get<double>()) + " (" + std::to_string(run["correct"].get<std::int64_t>()) + "/" +
           std::to_string(count) + ")\n";
  };
  const nlohmann::json& boot = r["bootstrap"];
  const nlohmann::json& test = r["mcnemar"];
  std::string s = "compared on " + data_hint + ": " + std::to_string(count) + " samples read by both runs\n";
  s += run_line("a") + run_line("b");
  s += "  B - A: " + signed_points(r["accuracy_difference"].get<double>()) + " points, " +
       printed("%g%%", 100.0 * boot["confidence"].get<double>()) + " paired bootstrap CI " +
       signed_points(boot["low"].get<double>()) + " to " + signed_points(boot["high"].get<double>()) + " (" +
       std::to_string(boot["resamples"].get<int>()) + " resamples, seed " +
       std::to_string(boot["seed"].get<std::uint64_t>()) + ")\n";
  s += "  McNemar (" + std::string(test["method"] == "exact" ? "exact binomial" : "chi-square, continuity-corrected") +
       "): A only right " + std::to_string(test["a_only"].get<std::int64_t>()) + ", B only right " +
       std::to_string(test["b_only"].get<std::int64_t>()) + ", p = " + p_value_text(test["p_value"].get<double>()) +
       "\n";
  s += "  recall by class (A -> B):";
  std::size_t k = 0;
  for (const auto& row : r["per_class"]) {
    s += std::string(k++ % 5 == 0 ? "\n   " : "") + " " + row["name"].get<std::string>() + " " +
         fixed(row["a"]["recall"].get<double>(), 3) + "->" + fixed(row["b"]["recall"].get<double>(), 3);
  }
  s += "\n  verdict: " + r["verdict"]["text"].get<std::string>();
  return s;
}

}  // namespace

nlohmann::json compare_verdict(double difference, double low, double high, double p_value, double confidence) {
  const bool significant = p_value < 1.0 - confidence && (low > 0.0 || high < 0.0);
  const std::string ci = printed("%g%%", 100.0 * confidence) + " CI ";
  const std::string p = "McNemar p = " + p_value_text(p_value);
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
  log::info("compare on ", describe_device(device), ": ", dataset.samples.size(), " samples of ",
            data::path_hint(dataset));
  const RunPredictions a = predict(run_a, dataset, request, device);
  const RunPredictions b = predict(run_b, dataset, request, device);

  const PairedOutcomes paired = pair_by_index(a, b);
  if (paired.targets.empty()) throw UserError("no sample of " + request.data.string() + " could be read by both runs");
  const Comparison comparison = compute_comparison(paired, classes, request);

  CompareResult result;
  result.compare =
      record_comparison(comparison, classes, a.name, b.name, data::data_summary(dataset), request.confidence);
  const std::filesystem::path out_dir = request.output_dir.empty() ? std::filesystem::current_path() : request.output_dir;
  std::filesystem::create_directories(out_dir);
  result.json_path = out_dir / "compare.json";
  result.html_path = out_dir / "compare.html";
  write_file_atomic(result.json_path, result.compare.dump(2) + "\n");
  write_file_atomic(result.html_path, report::render_compare_html(result.compare));
  result.summary = summarize_comparison(result.compare, data::path_hint(dataset));
  return result;
}

}  // namespace tessera::eval
