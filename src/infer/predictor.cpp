#include "tessera/infer/predictor.h"

#include <map>
#include <optional>

#include "tessera/core/atomic_file.h"
#include "tessera/core/compute.h"
#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/core/memory.h"
#include "tessera/core/progress.h"
#include "tessera/data/dataset.h"
#include "tessera/infer/prediction_csv.h"
#include "tessera/infer/series.h"
#include "tessera/tasks/classification.h"

namespace tessera::infer {
namespace fs = std::filesystem;
namespace {

data::ClassificationDataset unlabelled(const std::vector<fs::path>& inputs) {
  data::ClassificationDataset dataset;
  for (const auto& input : inputs) {
    for (auto& path : data::list_images(input)) dataset.samples.push_back({std::move(path), -1});
  }
  dataset.root = inputs.size() == 1 ? inputs.front() : fs::path(".");
  return dataset;
}

// What the loop learns about one input file: its prediction columns, or why it could not be read.
// The whole probability vector is kept only for slices of a series (the aggregate needs it), so
// a large folder with many classes costs a CSV line per file, not a vector.
struct Outcome {
  std::string columns;               // prediction_columns, or empty_prediction_columns on error
  std::vector<float> probabilities;  // series slices only
  std::string error;
};

// "<stem>.series.csv" beside the predictions file.
fs::path series_output(const fs::path& predictions) {
  fs::path series = predictions;
  series.replace_extension(".series.csv");
  return series;
}

// predictions.csv with series columns: each series' slices in position order (then its unreadable
// files) where the series' first file falls in the sorted input, other files as they come.
std::string predictions_with_series(const std::vector<Series>& series, const std::vector<Outcome>& outcomes,
                                    const std::function<std::string(std::size_t)>& name_of,
                                    const std::function<std::string(std::size_t)>& series_name, int k) {
  std::vector<int> series_of(outcomes.size(), -1);
  for (std::size_t s = 0; s < series.size(); ++s) {
    for (std::size_t index : series[s].slices) series_of[index] = static_cast<int>(s);
    for (std::size_t index : series[s].unreadable) series_of[index] = static_cast<int>(s);
  }
  const auto row = [&](std::size_t index, const std::string& series_columns) {
    const Outcome& o = outcomes[index];
    return csv_field(name_of(index)) + "," + series_columns + "," + o.columns + "," + csv_field(o.error) + "\n";
  };
  std::string csv = "path,series,slice,position_mm," + prediction_header(k) + ",error\n";
  std::vector<bool> written(series.size(), false);
  for (std::size_t index = 0; index < outcomes.size(); ++index) {
    const int s = series_of[index];
    if (s < 0) {
      csv += row(index, ",,");
      continue;
    }
    if (written[static_cast<std::size_t>(s)]) continue;
    written[static_cast<std::size_t>(s)] = true;
    const Series& one = series[static_cast<std::size_t>(s)];
    const std::string name = csv_field(series_name(static_cast<std::size_t>(s)));
    for (std::size_t slice = 0; slice < one.slices.size(); ++slice) {
      csv += row(one.slices[slice], name + "," + std::to_string(slice) + "," + fixed(one.positions[slice], 3));
    }
    for (std::size_t index_unreadable : one.unreadable) csv += row(index_unreadable, name + ",,");
  }
  return csv;
}

// One row per series: the configured aggregate decides label, confidence and top-k; the mean and
// the maximum slice probability of that label are both given.
std::string series_table(const std::vector<Series>& series, const std::vector<Outcome>& outcomes,
                         const std::function<std::string(std::size_t)>& series_name, SeriesAggregate how,
                         const std::vector<std::string>& classes, int k) {
  std::string csv = "series,slices,unreadable,spacing_mm,aggregate," + prediction_header(k) + ",mean_prob,max_prob,warnings\n";
  for (std::size_t s = 0; s < series.size(); ++s) {
    const Series& one = series[s];
    std::vector<std::vector<float>> slices;
    std::size_t unreadable = one.unreadable.size();
    for (std::size_t index : one.slices) {
      if (outcomes[index].error.empty()) slices.push_back(outcomes[index].probabilities);
      else ++unreadable;
    }
    std::string warnings;
    for (const auto& w : one.warnings) warnings += (warnings.empty() ? "" : "; ") + w;
    csv += csv_field(series_name(s)) + "," + std::to_string(slices.size()) + "," + std::to_string(unreadable) + "," +
           fixed(one.spacing, 3) + "," + config::to_string(how) + ",";
    if (slices.empty()) {
      csv += empty_prediction_columns(k) + ",,," + csv_field(warnings) + "\n";
      continue;
    }
    const std::vector<float> chosen = aggregate_probabilities(slices, how);
    const std::vector<float> mean = aggregate_probabilities(slices, SeriesAggregate::mean);
    const std::vector<float> max = aggregate_probabilities(slices, SeriesAggregate::max);
    const auto label = static_cast<std::size_t>(std::max_element(chosen.begin(), chosen.end()) - chosen.begin());
    csv += prediction_columns(chosen, classes, k) + "," + fixed(mean[label], 6) + "," + fixed(max[label], 6) + "," +
           csv_field(warnings) + "\n";
  }
  return csv;
}

// Compute: every input's outcome, in dataset order, with failures and predictions counted into
// `summary`. The probability vector is kept for the slices of a series only.
std::vector<Outcome> score_inputs(tasks::ClassificationTask& task, data::BatchLoader& loader, int k,
                                  const std::vector<bool>& in_series, InferSummary& summary) {
  const auto& classes = task.classes();
  std::vector<Outcome> outcomes(loader.dataset().samples.size());
  const c10::InferenceMode inference;
  Progress bar("infer", static_cast<std::int64_t>(outcomes.size()), "img", 1000);
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    for (const auto& failure : batch->failures) {
      // The loader has logged it once already (by opaque reference for DICOM).
      outcomes[failure.index].error = failure.reason;
      outcomes[failure.index].columns = empty_prediction_columns(k);
      ++summary.failed;
    }
    if (batch->size() > 0) {
      const torch::Tensor inputs = task.to_inputs(*batch, loader.options());
      torch::Tensor logits;
      {
        const AutocastScope autocast(task.compute());
        logits = task.forward(inputs);
      }
      const torch::Tensor probabilities = torch::softmax(logits.to(torch::kFloat32), 1).cpu().contiguous();
      const float* p = probabilities.data_ptr<float>();
      const auto width = static_cast<std::size_t>(probabilities.size(1));
      for (std::int64_t row = 0; row < probabilities.size(0); ++row) {
        const std::size_t index = batch->indices.at(static_cast<std::size_t>(row));
        const float* first = p + static_cast<std::size_t>(row) * width;
        std::vector<float> probabilities_of_row(first, first + width);
        outcomes[index].columns = prediction_columns(probabilities_of_row, classes, k);
        if (in_series[index]) outcomes[index].probabilities = std::move(probabilities_of_row);
      }
      summary.predicted += static_cast<std::size_t>(probabilities.size(0));
    }
    bar.update(static_cast<std::int64_t>(summary.predicted + summary.failed));
  }
  bar.finish();
  return outcomes;
}

// Record: predictions.csv (summary.output), with series columns and <stem>.series.csv when the
// input holds series.
void record_predictions(const std::vector<Outcome>& outcomes, const std::vector<Series>& series,
                        const std::function<std::string(std::size_t)>& name_of,
                        const std::function<std::string(std::size_t)>& series_name, SeriesAggregate how,
                        const std::vector<std::string>& classes, int k, InferSummary& summary) {
  if (series.empty()) {
    std::string csv = "path," + prediction_header(k) + ",error\n";
    for (std::size_t index = 0; index < outcomes.size(); ++index) {
      const Outcome& o = outcomes[index];
      csv += csv_field(name_of(index)) + "," + o.columns + "," + csv_field(o.error) + "\n";
    }
    write_file_atomic(summary.output, csv);
    return;
  }
  for (std::size_t s = 0; s < series.size(); ++s) {
    for (const auto& warning : series[s].warnings) log::warn(series_name(s), ": ", warning);
  }
  write_file_atomic(summary.output, predictions_with_series(series, outcomes, name_of, series_name, k));
  summary.series = series.size();
  summary.series_output = series_output(summary.output);
  write_file_atomic(summary.series_output, series_table(series, outcomes, series_name, how, classes, k));
}

// A command-line choice (--series, --series-aggregate) by its config names.
template <config::Choice E>
E choice_option(const std::string& option, const std::string& value) {
  if (const auto choice = config::choice_named<E>(value)) return *choice;
  std::string names;
  for (const auto& name : config::choice_names<E>()) names += (names.empty() ? "" : " or ") + name;
  throw UserError(option + " must be " + names + ", got '" + value + "'");
}

// The run's infer settings with the command line's --series / --series-aggregate over them.
config::InferConfig with_request(config::InferConfig settings, const InferRequest& request) {
  if (!request.series.empty()) settings.series = choice_option<config::SeriesGrouping>("--series", request.series);
  if (!request.series_aggregate.empty()) {
    settings.series_aggregate = choice_option<SeriesAggregate>("--series-aggregate", request.series_aggregate);
  }
  return settings;
}

}  // namespace

InferSummary predict(const InferRequest& request) {
  if (request.inputs.empty()) throw UserError("infer: no --input given");
  const auto run = run::RunDirectory::open(request.run_dir);
  const torch::Device device = resolve_device(request.device);
  auto task = tasks::ClassificationTask::from_run_directory(run, device);
  if (request.batch_size > 0) task->set_eval_batch_size(request.batch_size);
  const config::InferConfig settings = with_request(task->config().infer, request);
  const SeriesAggregate how = settings.series_aggregate;
  const bool group_series = settings.series == config::SeriesGrouping::automatic;

  // Infer drives the loader itself: it needs each row's dataset index and path, which the
  // training-oriented Task::next_batch does not carry.
  data::ClassificationDataset inputs = unlabelled(request.inputs);
  // An enhanced multi-frame file is a series of its own: inferred frame by frame.
  if (group_series && data::is_dicom_dataset(inputs)) expand_multi_frame(inputs);
  data::BatchLoader loader(std::move(inputs), task->loader_options(tasks::Split::test));
  const auto& samples = loader.dataset().samples;
  const bool dicom = data::is_dicom_dataset(loader.dataset());
  const bool opaque = dicom && !request.show_paths;
  // What names a file in the CSV and the log (see predictor.h for DICOM).
  const std::function<std::string(std::size_t)> name_of = [&](std::size_t index) {
    const std::string frame = samples[index].frame >= 0 ? " frame " + std::to_string(samples[index].frame) : "";
    return (opaque ? data::dicom_sample_reference(loader.dataset(), index) : samples[index].path.string()) + frame;
  };
  const auto& classes = task->classes();
  const int k = std::clamp<int>(request.top_k, 1, static_cast<int>(classes.size()));
  const std::vector<Series> series =
      dicom && group_series ? find_series(loader.dataset(), name_of) : std::vector<Series>{};
  const std::function<std::string(std::size_t)> series_name = [&](std::size_t s) {
    return opaque ? data::opaque_reference("dicom series", s, series[s].folder) : series[s].folder.string();
  };

  std::vector<bool> in_series(samples.size(), false);
  for (const auto& one : series) {
    for (std::size_t index : one.slices) in_series[index] = true;
  }
  InferSummary summary;
  const std::vector<Outcome> outcomes = score_inputs(*task, loader, k, in_series, summary);

  summary.output = request.output.empty() ? run.path() / "predictions.csv" : request.output;
  record_predictions(outcomes, series, name_of, series_name, how, classes, k, summary);
  log::info("infer: ", summary.predicted, " predicted, ", summary.failed, " unreadable -> ", summary.output.string(),
            " (peak memory ", peak_resident_bytes() >> 20, " MB)");
  if (summary.series > 0) {
    log::info("infer: ", summary.series, " series (", config::name_of(how), " of slice probabilities) -> ",
              summary.series_output.string());
  }
  return summary;
}

}  // namespace tessera::infer
