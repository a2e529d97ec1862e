#include "tessera/monitor/drift.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "tessera/core/atomic_file.h"
#include "tessera/core/device.h"
#include "tessera/core/error.h"
#include "tessera/core/format.h"
#include "tessera/core/logging.h"
#include "tessera/data/dataset.h"
#include "tessera/data/loader.h"
#include "tessera/run/run_directory.h"
#include "tessera/tasks/drift_reference.h"
#include "tessera/tasks/family.h"
#include "tessera/tasks/image_observe.h"

namespace tessera::monitor {
namespace fs = std::filesystem;
using tasks::DriftReference;
using tasks::ImageObserver;
using tasks::kDriftReferenceFile;
namespace {

double mean_of(const std::vector<double>& values) {
  return values.empty() ? 0.0 : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

std::vector<double> proportions(const std::vector<double>& counts) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  std::vector<double> out(counts.size(), 0.0);
  if (total > 0) {
    for (std::size_t i = 0; i < counts.size(); ++i) out[i] = counts[i] / total;
  }
  return out;
}

// The numeric features in the order they are reported.
std::vector<std::string> numeric_order(const FeatureSummary& reference) {
  std::vector<std::string> names;
  for (const auto& channel : reference.channels) names.push_back("mean_intensity." + channel);
  for (const char* name : {"width", "height", "aspect", "confidence"}) names.emplace_back(name);
  return names;
}

}  // namespace

DriftComparison compare(const FeatureSummary& reference, const FeatureSummary& current, const config::DriftConfig& settings) {
  if (reference.dicom != current.dicom) {
    throw UserError(std::string("the run was trained on ") + (reference.dicom ? "DICOM files" : "8-bit images") +
                    " but the new data holds " + (current.dicom ? "DICOM files" : "8-bit images"));
  }
  if (reference.channels != current.channels || reference.histogram_bins != current.histogram_bins ||
      reference.classes != current.classes) {
    throw UserError("the drift reference and the new data were measured differently (channels, bins or classes)");
  }
  DriftComparison out;
  if (current.images > 0) {
    for (std::size_t c = 0; c < reference.channels.size(); ++c) {
      FeatureDrift f;
      f.name = "pixel_histogram." + reference.channels[c];
      f.kind = "histogram";
      f.psi = population_stability_index(reference.histograms[c], current.histograms[c], settings.psi_epsilon);
      f.psi_bins = reference.histograms[c].size();
      f.reference_count = reference.images;
      f.new_count = current.images;
      f.reference_proportions = reference.histograms[c];
      f.new_proportions = current.histograms[c];
      out.features.push_back(std::move(f));
    }
  }
  for (const std::string& name : numeric_order(reference)) {
    const auto ref = reference.samples.find(name);
    const auto now = current.samples.find(name);
    if (ref == reference.samples.end() || ref->second.empty() || now == current.samples.end() || now->second.empty()) {
      continue;
    }
    FeatureDrift f;
    f.name = name;
    f.kind = "numeric";
    const std::vector<double> edges = quantile_edges(ref->second, settings.psi_bins);
    const std::vector<double> reference_counts = bin_counts(ref->second, edges);
    f.psi = population_stability_index(reference_counts, bin_counts(now->second, edges), settings.psi_epsilon);
    f.psi_bins = reference_counts.size();
    f.ks = ks_two_sample(ref->second, now->second);
    f.reference_count = static_cast<std::int64_t>(ref->second.size());
    f.new_count = static_cast<std::int64_t>(now->second.size());
    f.reference_mean = mean_of(ref->second);
    f.new_mean = mean_of(now->second);
    ++out.ks_tests;
    out.features.push_back(std::move(f));
  }
  if (current.predicted_images > 0 && reference.predicted_images > 0) {
    FeatureDrift f;
    f.name = "predicted_class";
    f.kind = "categorical";
    f.psi = population_stability_index(reference.predicted, current.predicted, settings.psi_epsilon);
    f.psi_bins = reference.predicted.size();
    f.reference_count = reference.predicted_images;
    f.new_count = current.predicted_images;
    f.reference_proportions = proportions(reference.predicted);
    f.new_proportions = proportions(current.predicted);
    out.features.push_back(std::move(f));
  }
  // Several KS tests at once: with Bonferroni each faces alpha / m, so the chance of any false
  // alarm on undrifted data stays at most alpha.
  out.ks_alpha = settings.ks_correction == config::KsCorrection::bonferroni && out.ks_tests > 0
                     ? settings.ks_pvalue / out.ks_tests
                     : settings.ks_pvalue;
  for (auto& f : out.features) {
    f.psi_drift = f.psi >= settings.psi_threshold;
    f.ks_drift = f.ks && f.ks->p_value < out.ks_alpha;
    out.drift = out.drift || f.drift();
  }
  return out;
}

namespace {

// New data for drift: a CSV manifest (labels optional and unused) or a folder searched
// recursively (class subfolders optional).
data::ClassificationDataset new_dataset(const fs::path& path) {
  std::error_code ec;
  const std::string extension = path.extension().string();
  if (extension == ".csv" || extension == ".CSV") return data::load_csv_manifest(path);
  if (!fs::is_directory(path, ec)) {
    if (!fs::exists(path, ec)) throw UserError("drift: data not found: " + path.string());
    throw UserError("drift: --data must be a folder of images or a CSV manifest: " + path.string());
  }
  data::ClassificationDataset dataset;
  dataset.root = path;
  for (auto& file : data::list_images(path)) dataset.samples.push_back({std::move(file), -1});
  return dataset;
}

// What names the new data in drift.json and the log: its folder or file name, never a DICOM path.
std::string path_hint(const fs::path& path, bool dicom) {
  if (dicom) return data::opaque_reference("dicom data", 0, path);
  const fs::path clean = path.filename().empty() ? path.parent_path() : path;
  return clean.filename().string();
}

std::string pad(std::string text, std::size_t width, bool right = false) {
  if (text.size() >= width) return text;
  return right ? std::string(width - text.size(), ' ') + text : text + std::string(width - text.size(), ' ');
}

std::string table(const DriftComparison& comparison, const config::DriftConfig& settings) {
  std::string out = pad("feature", 22) + pad("kind", 12) + pad("PSI", 9, true) + pad("KS D", 9, true) +
                    pad("KS p", 11, true) + "  drift\n";
  for (const auto& f : comparison.features) {
    std::string reasons;
    if (f.psi_drift) reasons += "PSI";
    if (f.ks_drift) reasons += std::string(reasons.empty() ? "" : ", ") + "KS";
    out += pad(f.name, 22) + pad(f.kind, 12) + pad(fixed(f.psi, 4), 9, true) +
           pad(f.ks ? fixed(f.ks->statistic, 4) : "-", 9, true) +
           pad(f.ks ? p_value_text(f.ks->p_value) : "-", 11, true) + "  " +
           (f.drift() ? "YES (" + reasons + ")" : "no") + "\n";
  }
  out += "thresholds: PSI >= " + fixed(settings.psi_threshold, 3) + "; KS p < " + p_value_text(comparison.ks_alpha);
  if (settings.ks_correction == config::KsCorrection::bonferroni && comparison.ks_tests > 1) {
    out +=
        " (" + p_value_text(settings.ks_pvalue) + " / " + std::to_string(comparison.ks_tests) + " tests, Bonferroni)";
  }
  out += "\n";
  return out;
}

nlohmann::json feature_json(const FeatureDrift& f) {
  nlohmann::json j = {{"name", f.name},   {"kind", f.kind},          {"psi", f.psi},
                      {"psi_bins", f.psi_bins}, {"reference_count", f.reference_count}, {"new_count", f.new_count},
                      {"drift", f.drift()}};
  nlohmann::json reasons = nlohmann::json::array();
  if (f.psi_drift) reasons.push_back("psi");
  if (f.ks_drift) reasons.push_back("ks");
  j["reasons"] = reasons;
  if (f.ks) {
    j["ks_statistic"] = f.ks->statistic;
    j["ks_p_value"] = f.ks->p_value;
    j["ks_effective_n"] = f.ks->effective_n;
  }
  if (f.reference_mean) j["reference_mean"] = *f.reference_mean;
  if (f.new_mean) j["new_mean"] = *f.new_mean;
  if (!f.reference_proportions.empty()) {
    j["reference_proportions"] = f.reference_proportions;
    j["new_proportions"] = f.new_proportions;
  }
  return j;
}

// "drift detected in 2 of 9 features: a, b" or "no drift: ...".
std::string drift_verdict(const DriftComparison& c, const std::vector<std::string>& drifted) {
  if (!c.drift) return "no drift: none of the " + std::to_string(c.features.size()) + " features crossed a threshold";
  return "drift detected in " + std::to_string(drifted.size()) + " of " + std::to_string(c.features.size()) +
         " features: " + join(drifted);
}

// Which new data was measured, by hint only (DICOM paths may name patients).
struct DataSeen {
  std::string path_hint;
  std::size_t samples = 0, used = 0;
};

// drift.json without the run, device and timing the caller adds.
nlohmann::json record_drift(const DriftComparison& c, const FeatureSummary& current, const DriftReference& reference,
                            const config::DriftConfig& settings, const DataSeen& seen) {
  std::vector<std::string> drifted;
  for (const auto& f : c.features) {
    if (f.drift()) drifted.push_back(f.name);
  }
  nlohmann::json features = nlohmann::json::array();
  for (const auto& f : c.features) features.push_back(feature_json(f));
  return {{"data",
           {{"path_hint", seen.path_hint},
            {"samples", seen.samples},
            {"used", seen.used},
            {"images", current.images},
            {"unreadable", current.unreadable}}},
          {"reference",
           {{"images", reference.features.images},
            {"train_samples", reference.train_samples},
            {"prediction_split", reference.prediction_split},
            {"predicted_images", reference.features.predicted_images}}},
          {"settings",
           {{"psi_threshold", settings.psi_threshold},
            {"psi_epsilon", settings.psi_epsilon},
            {"psi_bins", settings.psi_bins},
            {"histogram_bins", settings.histogram_bins},
            {"ks_pvalue", settings.ks_pvalue},
            {"ks_correction", config::to_string(settings.ks_correction)},
            {"ks_tests", c.ks_tests},
            {"ks_pvalue_per_test", c.ks_alpha},
            {"ks_method", "asymptotic, as scipy.stats.ks_2samp(method='asymp'): kstwo.sf(D, round(n*m/(n+m)))"},
            {"max_images", settings.max_images},
            {"sample_size", settings.sample_size}}},
          {"features", features},
          {"drift", c.drift},
          {"drifted_features", drifted},
          {"verdict", drift_verdict(c, drifted)}};
}

}  // namespace

DriftResult detect_drift(const DriftRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  const auto run = run::RunDirectory::open(request.run_dir);
  const config::ExperimentConfig config = run.read_config();
  const tasks::TaskFamily& family = tasks::family_of(config);
  tasks::require_service(run, family, family.image_drift, "`tessera drift` compares images");
  config::DriftConfig settings = config.drift;
  if (request.psi_threshold) settings.psi_threshold = *request.psi_threshold;
  if (request.ks_pvalue) settings.ks_pvalue = *request.ks_pvalue;
  if (!(settings.psi_threshold > 0)) throw UserError("drift: --psi-threshold must be > 0");
  if (!(settings.ks_pvalue > 0 && settings.ks_pvalue < 1)) throw UserError("drift: --ks-pvalue must be in (0, 1)");
  const torch::Device device = resolve_device(request.device);

  const fs::path reference_path = run.path() / kDriftReferenceFile;
  DriftReference reference;
  if (fs::exists(reference_path)) {
    reference = tasks::read_drift_reference(reference_path);
  } else {
    log::info("drift: ", run.path().string(), " has no ", kDriftReferenceFile, "; computing it from the run's training data");
    reference = tasks::compute_drift_reference(run, device);
  }
  // Bins and sample size follow the reference, so both sides are measured alike.
  settings.histogram_bins = reference.features.histogram_bins;

  auto task = tasks::ClassificationTask::from_run_directory(run, device);
  const data::ClassificationDataset all = new_dataset(request.data);
  const bool dicom = data::is_dicom_dataset(all);
  const data::ClassificationDataset used =
      tasks::subsample(all, static_cast<std::size_t>(settings.max_images), config.runtime.seed);
  ImageObserver observer(config.data.channels, dicom, settings.histogram_bins,
                         static_cast<std::size_t>(settings.sample_size), config.runtime.seed, task->classes());
  tasks::observe(*task, used, observer, {.features = true, .predictions = true, .label = "drift: new images"});
  const FeatureSummary current = observer.summary();
  if (current.images == 0) {
    throw UserError("drift: none of the " + std::to_string(used.samples.size()) + " images of " +
                    path_hint(request.data, dicom) + " could be read");
  }

  // Under no drift at all, a PSI over k bins still averages about (k - 1) (1/n + 1/m) from
  // sampling alone: with few new images that alone approaches the threshold.
  const double sampling_psi = (settings.psi_bins - 1) * (1.0 / static_cast<double>(current.images) +
                                                         1.0 / static_cast<double>(std::max<std::int64_t>(reference.features.images, 1)));
  if (sampling_psi > settings.psi_threshold / 4) {
    log::warn("drift: only ", current.images, " new images; PSI over ", settings.psi_bins, " bins varies by about ",
              fixed(sampling_psi, 3), " from sampling alone (threshold ", fixed(settings.psi_threshold, 3),
              "): use more images or fewer drift.psi_bins");
  }
  DriftResult result;
  result.comparison = compare(reference.features, current, settings);
  const DataSeen seen{path_hint(request.data, dicom), all.samples.size(), used.samples.size()};
  result.report = record_drift(result.comparison, current, reference, settings, seen);
  result.report["run"] = run.path().filename().string();
  result.report["device"] = request.device;
  result.report["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.output = request.output.empty() ? run.path() / "drift.json" : request.output;
  write_file_atomic(result.output, result.report.dump(2) + "\n");
  const std::string verdict = result.report["verdict"].get<std::string>();
  result.table = table(result.comparison, settings) + verdict + "\n";
  log::info("drift: ", current.images, " new images (", current.unreadable, " unreadable) against ",
            reference.features.images, " reference images in ", fixed(result.report["seconds"].get<double>(), 2),
            " s: ", verdict);
  return result;
}

}  // namespace tessera::monitor
