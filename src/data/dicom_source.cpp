// DICOM files as loader samples (sample_source.h): the stored 16-bit words and their intensity
// chain; windowing to [0, 1] happens in ops::medical (CPU rows) or its CUDA kernel (packed).
// Paths never leave this file in a message: they may hold patient names or IDs. Also
// make_sample_source, which picks this source or the image one, since only DICOM needs checks.
#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>

#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/data/loader.h"
#include "tessera/data/sample_source.h"
#include "tessera/ops/dicom_intensity.h"

namespace tessera::data {
namespace {

class DicomSampleSource final : public SampleSource {
 public:
  DicomSampleSource(const ClassificationDataset& dataset, ops::WindowChoice window)
      : dataset_(dataset), window_(window) {}

  DecodedSample decode(std::size_t index) const override {
    const Sample& source = dataset_.samples[index];
    // io::decode_dicom_stored's messages carry neither the path nor header values (dicom.h).
    try {
      io::DicomStored stored = io::decode_dicom_stored(source.path);
      if (source.frame >= 0) stored = io::select_frame(stored, source.frame);  // its own rescale
      return dicom_sample(std::move(stored), window_, dicom_sample_reference(dataset_, index));
    } catch (const DecodeError& e) {
      DecodedSample sample;
      sample.failure = e.what();
      return sample;
    }
  }

  std::pair<int, int> probe_size(std::size_t index) const override {
    const io::DicomMetadata meta = io::read_dicom_header(dataset_.samples[index].path);
    return {meta.rows, meta.columns};
  }

  void write_row(const DecodedSample& sample, const LoaderOptions& options, const ops::SampleParams& params,
                 float* row) const override {
    ops::preprocess_medical_reference(sample.dicom.words.data(), sample.height, sample.width, medical_spec(options),
                                      sample.intensity, params, row);
  }

  // The stored words, one plane; the kernel replicates it to the output channels.
  void pack(const std::vector<const DecodedSample*>& samples, const LoaderOptions&, bool pinned,
            Batch& batch) const override {
    ops::PackedBatch& packed = batch.packed;
    packed.channels = 1;
    std::int64_t total = 0;
    for (const DecodedSample* sample : samples) {
      packed.sources.push_back({total, sample->height, sample->width});
      total += static_cast<std::int64_t>(sample->dicom.words.size());
      batch.intensities.push_back(sample->intensity);
    }
    packed.values = torch::empty({total}, torch::TensorOptions().dtype(torch::kInt16).pinned_memory(pinned));
    auto* out = reinterpret_cast<std::uint16_t*>(packed.values.data_ptr<std::int16_t>());
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const auto& words = samples[i]->dicom.words;
      std::memcpy(out + packed.sources[i].offset, words.data(), words.size() * sizeof(std::uint16_t));
    }
  }

  std::filesystem::path reference(std::size_t index) const override { return dicom_sample_reference(dataset_, index); }

  std::string skip_message(std::size_t index, const std::string& reason) const override {
    return "skipping an unreadable DICOM file, " + dicom_sample_reference(dataset_, index) + ": " + reason;
  }

 private:
  const ClassificationDataset& dataset_;
  ops::WindowChoice window_;
};

}  // namespace

DecodedSample dicom_sample(io::DicomStored stored, const ops::WindowChoice& window, const std::string& reference) {
  DecodedSample sample;
  try {
    const auto& meta = stored.meta;
    if (meta.frames != 1) {
      throw DecodeError("multi-frame DICOM (" + std::to_string(meta.frames) +
                        " frames) is not a 2-D image; classification datasets take single-frame files");
    }
    sample.intensity = ops::intensity_for(meta, stored.words.data(), stored.words.size(), window);
    for (const auto& warning : meta.warnings) log::warn("DICOM ", reference, ": ", warning);  // fixed texts
    sample.height = meta.rows;
    sample.width = meta.columns;
    sample.dicom = std::move(stored);
  } catch (const DecodeError& e) {
    sample.failure = e.what();
  } catch (const std::invalid_argument& e) {  // intensity_for: colour or more than 16 bits stored
    sample.failure = e.what();
  }
  return sample;
}

std::unique_ptr<SampleSource> make_dicom_source(const ClassificationDataset& dataset, const LoaderOptions& options) {
  if (!io::dicom_available()) {
    throw UserError("DICOM input needs DICOM support, which this build lacks (configure with -DTESSERA_WITH_DCMTK=ON)");
  }
  for (const auto* values : {&options.preprocess.mean, &options.preprocess.std}) {
    if (std::adjacent_find(values->begin(), values->end(), std::not_equal_to<>()) != values->end()) {
      throw UserError(std::string("data ") + (values == &options.preprocess.mean ? "mean" : "std") +
                      " must hold the same value for every channel with DICOM data (one grey plane, replicated "
                      "to all channels after windowing to [0, 1]), e.g. [0.5, 0.5, 0.5]");
    }
  }
  if (options.window.mode == ops::WindowChoice::Mode::fixed && !(options.window.width >= 1.0f)) {
    throw UserError("data window width must be >= 1, got " + std::to_string(options.window.width));
  }
  return std::make_unique<DicomSampleSource>(dataset, options.window);
}

std::unique_ptr<SampleSource> make_sample_source(const ClassificationDataset& dataset, const LoaderOptions& options) {
  if (!is_dicom_dataset(dataset)) return std::make_unique<ImageSampleSource>(dataset, options.channels);
  if (!io::dicom_available()) {
    throw UserError("dataset " + dataset.root.string() +
                    " holds DICOM files but this build has no DICOM support "
                    "(configure with -DTESSERA_WITH_DCMTK=ON)");
  }
  return make_dicom_source(dataset, options);
}

}  // namespace tessera::data
