#include "tessera/serve/live_drift.h"

#include <algorithm>
#include <cmath>

#include "tessera/monitor/drift.h"

namespace tessera::serve {

LiveDrift::LiveDrift(tasks::FeatureSummary reference, const config::DriftConfig& settings, std::uint64_t seed)
    : reference_(std::move(reference)),
      settings_(settings),
      seed_(seed),
      window_(static_cast<std::size_t>(std::max(2, settings.max_images))) {
  // Measured like the reference, so both sides have the same bins (as `tessera drift` does).
  settings_.histogram_bins = reference_.histogram_bins;
  observers_.push_back(fresh_observer());
}

tasks::ImageObserver LiveDrift::fresh_observer() const {
  return tasks::ImageObserver(static_cast<int>(reference_.channels.size()), reference_.dicom, reference_.histogram_bins,
                              static_cast<std::size_t>(settings_.sample_size), seed_, reference_.classes);
}

std::optional<DriftSnapshot> LiveDrift::observe(const data::DecodedSample& sample, bool dicom,
                                                const float* probabilities, std::size_t classes) {
  if (!sample.failure.empty() || dicom != reference_.dicom) return std::nullopt;
  if (!dicom && sample.image.channels != static_cast<int>(reference_.channels.size())) return std::nullopt;
  const bool predicted = classes == reference_.classes.size() && !std::isnan(probabilities[0]);
  const std::lock_guard lock(mutex_);
  if (++seen_ == window_ / 2 + 1 && observers_.size() == 1) observers_.push_back(fresh_observer());
  counts_.resize(observers_.size(), 0);
  std::optional<DriftSnapshot> snapshot;
  for (std::size_t i = 0; i < observers_.size(); ++i) {
    tasks::ImageObserver& observer = observers_[i];
    if (dicom) {
      observer.add_dicom(sample.dicom.words.data(), sample.height, sample.width, sample.intensity);
    } else {
      observer.add_image(sample.image.pixels.data(), sample.image.height, sample.image.width, sample.image.channels);
    }
    if (predicted) observer.add_prediction(probabilities, classes);
    if (++counts_[i] < window_) continue;
    const monitor::DriftComparison comparison = monitor::compare(reference_, observer.summary(), settings_);
    DriftSnapshot s;
    s.images = static_cast<std::int64_t>(counts_[i]);
    s.drift = comparison.drift;
    for (const monitor::FeatureDrift& f : comparison.features) {
      s.psi.emplace_back(f.name, f.psi);
      if (f.drift()) s.drifting.push_back(f.name);
    }
    snapshot = std::move(s);
    observer = fresh_observer();
    counts_[i] = 0;
  }
  return snapshot;
}

}  // namespace tessera::serve
