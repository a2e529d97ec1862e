#pragma once
// One pass of drift monitoring over images: the task's loader decodes them with the evaluation
// settings (no augmentation, no shuffling) and delivers each decoded image before resizing
// (LoaderOptions::packed), which is what the features are measured on; the model then gets
// exactly what eval would give it (ClassificationTask::to_inputs).
#include <cstdint>
#include <string>

#include "tessera/data/dataset.h"
#include "tessera/tasks/classification.h"
#include "tessera/tasks/image_features.h"

namespace tessera::tasks {

// At most `max_images` samples of `dataset`: a seeded choice (the first of a seeded permutation),
// kept in dataset order. The dataset itself when it is small enough.
data::ClassificationDataset subsample(const data::ClassificationDataset& dataset, std::size_t max_images,
                                      std::uint64_t seed);

struct ObserveOptions {
  bool features = true;     // measure the decoded images
  bool predictions = true;  // run the model
  std::string label;        // the progress line's label
};

// Feeds every readable image of `dataset` to `observer` (unreadable ones are counted and logged
// by reference, never by DICOM path). Throws UserError when `dataset` and the run disagree
// (DICOM vs images).
void observe(tasks::ClassificationTask& task, const data::ClassificationDataset& dataset, ImageObserver& observer,
             const ObserveOptions& options);

}  // namespace tessera::tasks
