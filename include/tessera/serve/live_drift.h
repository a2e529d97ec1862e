#pragma once
// Drift of what a served model receives, measured where the data arrives: each decoded image of
// each request (and its prediction) is measured as `tessera drift` measures a folder
// (tasks/image_features.h) and the last `window` images are compared with the run's drift
// reference feature by feature (monitor::compare: PSI, KS, the predicted-class distribution).
//
// The window slides by half its length: two measurements run staggered by window / 2 images,
// and whichever reaches `window` images is compared and starts over. So a comparison appears
// every window / 2 images, each over the last `window` images, without keeping any image.
// Elements of the other kind than the reference's (DICOM vs images) and unreadable ones are not
// measured.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tessera/core/config/drift.h"
#include "tessera/data/sample_source.h"
#include "tessera/serve/batch_record.h"
#include "tessera/tasks/image_features.h"

namespace tessera::serve {

class LiveDrift {
 public:
  // `reference`: the run's drift reference features; `settings`: the run's drift section
  // (thresholds; max_images is the window, at least 2).
  LiveDrift(tasks::FeatureSummary reference, const config::DriftConfig& settings, std::uint64_t seed);

  // One decoded element and its class probabilities (`classes` floats; NaN when none). Returns
  // a snapshot when this image completed a window. Thread-safe (executors call it concurrently).
  std::optional<DriftSnapshot> observe(const data::DecodedSample& sample, bool dicom, const float* probabilities,
                                       std::size_t classes);

  std::size_t window() const { return window_; }

 private:
  tasks::ImageObserver fresh_observer() const;

  const tasks::FeatureSummary reference_;
  config::DriftConfig settings_;
  const std::uint64_t seed_;
  const std::size_t window_;
  std::mutex mutex_;
  // Two staggered measurements and the images each holds; the second starts at window / 2.
  std::vector<tasks::ImageObserver> observers_;
  std::vector<std::size_t> counts_;
  std::size_t seen_ = 0;
};

}  // namespace tessera::serve
