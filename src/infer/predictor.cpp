#include "tessera/infer/predictor.h"

#include <map>

#include "tessera/core/atomic_file.h"
#include "tessera/core/compute.h"
#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/core/progress.h"
#include "tessera/data/dataset.h"
#include "tessera/tasks/classification.h"

namespace tessera::infer {
namespace fs = std::filesystem;
namespace {

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string probability(double p) { return fixed(p, 6); }

data::ClassificationDataset unlabelled(const std::vector<fs::path>& inputs) {
  data::ClassificationDataset dataset;
  for (const auto& input : inputs) {
    for (auto& path : data::list_images(input)) dataset.samples.push_back({std::move(path), -1});
  }
  dataset.root = inputs.size() == 1 ? inputs.front() : fs::path(".");
  return dataset;
}

}  // namespace

InferSummary predict(const InferRequest& request) {
  if (request.inputs.empty()) throw UserError("infer: no --input given");
  const auto run = run::RunDirectory::open(request.run_dir);
  const torch::Device device = resolve_device(request.device);
  auto task = tasks::ClassificationTask::from_run_directory(run, device);
  if (request.batch_size > 0) task->mutable_config().eval.batch_size = request.batch_size;
  // Infer drives the loader itself: it needs each row's dataset index and path, which the
  // training-oriented Task::next_batch does not carry.
  data::BatchLoader loader(unlabelled(request.inputs), task->loader_options(tasks::Split::test));
  const auto& samples = loader.dataset().samples;
  const bool opaque = data::is_dicom_dataset(loader.dataset()) && !request.show_paths;
  // What names a file in the CSV and the log (see predictor.h for DICOM).
  const auto name_of = [&](std::size_t index) {
    return opaque ? data::dicom_sample_reference(loader.dataset(), index) : samples[index].path.string();
  };
  const auto& classes = task->classes();
  const int k = std::clamp<int>(request.top_k, 1, static_cast<int>(classes.size()));

  // A row for an unreadable file: label, confidence and the k label/probability pairs empty.
  std::string empty_prediction = ",,,";
  for (int j = 0; j < k; ++j) empty_prediction += ",,";

  // Rows are keyed by dataset index so the CSV keeps the sorted input order.
  std::map<std::size_t, std::string> rows;
  InferSummary summary;
  const c10::InferenceMode inference;
  Progress bar("infer", static_cast<std::int64_t>(samples.size()), "img", 1000);
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    for (const auto& failure : batch->failures) {
      log::warn("cannot read ", name_of(failure.index), ": ", failure.reason);
      rows[failure.index] = csv_field(name_of(failure.index)) + empty_prediction + csv_field(failure.reason);
      ++summary.failed;
    }
    if (batch->size() > 0) {
      const torch::Tensor inputs = task->to_inputs(*batch, loader.options());
      torch::Tensor logits;
      {
        const AutocastScope autocast(task->compute());
        logits = task->forward(inputs);
      }
      const torch::Tensor probabilities = torch::softmax(logits.to(torch::kFloat32), 1).cpu();
      const auto [top_p, top_i] = probabilities.topk(k, 1);
      const auto p = top_p.accessor<float, 2>();
      const auto i = top_i.accessor<std::int64_t, 2>();
      for (std::int64_t row = 0; row < probabilities.size(0); ++row) {
        const std::size_t index = batch->indices.at(static_cast<std::size_t>(row));
        std::string line = csv_field(name_of(index)) + "," + csv_field(classes.at(i[row][0])) + "," +
                           probability(p[row][0]);
        for (int j = 0; j < k; ++j) {
          line.append(",").append(csv_field(classes.at(i[row][j]))).append(",").append(probability(p[row][j]));
        }
        rows[index] = line + ",";
      }
      summary.predicted += static_cast<std::size_t>(probabilities.size(0));
    }
    bar.update(static_cast<std::int64_t>(summary.predicted + summary.failed));
  }
  bar.finish();

  std::string csv = "path,label,confidence";
  for (int j = 1; j <= k; ++j) csv += ",top" + std::to_string(j) + ",top" + std::to_string(j) + "_prob";
  csv += ",error\n";
  for (const auto& [index, line] : rows) csv += line + "\n";
  summary.output = request.output.empty() ? run.path() / "predictions.csv" : request.output;
  write_file_atomic(summary.output, csv);
  log::info("infer: ", summary.predicted, " predicted, ", summary.failed, " unreadable -> ", summary.output.string());
  return summary;
}

}  // namespace tessera::infer
