#include "tessera/tasks/image_observe.h"

#include <algorithm>

#include "tessera/core/compute.h"
#include "tessera/core/error.h"
#include "tessera/core/progress.h"
#include "tessera/data/loader.h"

namespace tessera::tasks {

data::ClassificationDataset subsample(const data::ClassificationDataset& dataset, std::size_t max_images,
                                      std::uint64_t seed) {
  if (dataset.samples.size() <= max_images) return dataset;
  std::vector<std::size_t> chosen = data::epoch_permutation(dataset.samples.size(), seed, 0);
  chosen.resize(max_images);
  std::sort(chosen.begin(), chosen.end());
  data::ClassificationDataset out;
  out.classes = dataset.classes;
  out.root = dataset.root;
  out.samples.reserve(max_images);
  for (std::size_t index : chosen) out.samples.push_back(dataset.samples[index]);
  return out;
}

namespace {

void measure(const data::Batch& batch, bool dicom, ImageObserver& observer) {
  const ops::PackedBatch& packed = batch.packed;
  for (std::size_t i = 0; i < packed.sources.size(); ++i) {
    const ops::PackedSource& source = packed.sources[i];
    if (dicom) {
      const auto* words =
          reinterpret_cast<const std::uint16_t*>(packed.values.data_ptr<std::int16_t>()) + source.offset;
      observer.add_dicom(words, source.height, source.width, batch.intensities.at(i));
    } else {
      observer.add_image(packed.values.data_ptr<std::uint8_t>() + source.offset, source.height, source.width,
                         packed.channels);
    }
  }
}

}  // namespace

void observe(tasks::ClassificationTask& task, const data::ClassificationDataset& dataset, ImageObserver& observer,
             const ObserveOptions& options) {
  data::LoaderOptions loader_options = task.loader_options(tasks::Split::test);
  loader_options.packed = true;          // the decoded images, before any resize
  loader_options.cache_decoded = false;  // one pass: a cache would only hold memory
  data::BatchLoader loader(dataset, loader_options);
  const bool dicom = loader.dicom();
  const c10::InferenceMode inference;
  task.module().eval();
  Progress bar(options.label, static_cast<std::int64_t>(dataset.samples.size()), "img", 1000);
  std::int64_t done = 0;
  loader.start_epoch(0);
  while (auto batch = loader.next()) {
    // The loader has already warned about each unreadable file (by reference for DICOM).
    for (std::size_t i = 0; i < batch->failures.size(); ++i) observer.add_unreadable();
    if (batch->size() > 0) {
      if (options.features) measure(*batch, dicom, observer);
      if (options.predictions) {
        const torch::Tensor inputs = task.to_inputs(*batch, loader.options());
        torch::Tensor logits;
        {
          const AutocastScope autocast(task.compute());
          logits = task.forward(inputs);
        }
        const torch::Tensor probabilities = torch::softmax(logits.to(torch::kFloat32), 1).cpu().contiguous();
        const auto classes = static_cast<std::size_t>(probabilities.size(1));
        for (std::int64_t row = 0; row < probabilities.size(0); ++row) {
          observer.add_prediction(probabilities.data_ptr<float>() + static_cast<std::size_t>(row) * classes, classes);
        }
      }
    }
    done += batch->size() + static_cast<std::int64_t>(batch->failures.size());
    bar.update(done);
  }
  bar.finish();
}

}  // namespace tessera::tasks
