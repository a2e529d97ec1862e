#include "tessera/data/encoded_samples.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include "tessera/core/error.h"
#include "tessera/io/dicom.h"
#include "tessera/io/image.h"

namespace tessera::data {
namespace {

// The sources read files by dataset index in decode() only; write_row and pack need no dataset.
const ClassificationDataset& no_files() {
  static const ClassificationDataset empty;
  return empty;
}

std::string input_name(std::size_t position) { return "input #" + std::to_string(position); }

}  // namespace

EncodedSamples::EncodedSamples(bool dicom, LoaderOptions options)
    : dicom_(dicom),
      options_(std::move(options)),
      source_(dicom
                  ? make_dicom_source(no_files(), options_)
                  : std::unique_ptr<SampleSource>(std::make_unique<ImageSampleSource>(no_files(), options_.channels))) {
}

DecodedSample EncodedSamples::decode(std::string_view bytes, std::size_t position) const {
  const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  try {
    if (dicom_) return dicom_sample(io::decode_dicom_stored_bytes(data), options_.window, input_name(position));
    DecodedSample sample;
    sample.image = io::decode_image_bytes(data, options_.channels, input_name(position));
    sample.height = sample.image.height;
    sample.width = sample.image.width;
    return sample;
  } catch (const DecodeError& e) {
    DecodedSample sample;
    sample.failure = e.what();
    return sample;
  }
}

Batch EncodedSamples::assemble(const std::vector<const DecodedSample*>& samples, bool pinned) const {
  LoaderOptions options = options_;
  auto& spec = options.preprocess;
  if (spec.out_h <= 0 || spec.out_w <= 0) {
    spec.out_h = spec.resize_h;
    spec.out_w = spec.resize_w;
    for (const DecodedSample* s : samples) {
      if (spec.out_h > 0 && spec.out_w > 0) break;
      if (s->failure.empty()) {
        spec.out_h = s->height;
        spec.out_w = s->width;
      }
    }
  }
  Batch batch;
  const auto row_floats =
      static_cast<std::size_t>(options.channels) * std::max(spec.out_h, 0) * std::max(spec.out_w, 0);
  torch::Tensor images;
  if (!options.packed) {
    images = torch::empty({static_cast<std::int64_t>(samples.size()), options.channels, spec.out_h, spec.out_w},
                          torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(pinned));
  }
  std::vector<const DecodedSample*> kept;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const DecodedSample& s = *samples[i];
    if (!s.failure.empty()) {
      batch.failures.push_back({input_name(i), s.failure, i});
      continue;
    }
    const ops::SampleParams params = ops::center_crop(spec, s.height, s.width);
    if (options.packed) {
      kept.push_back(&s);
      batch.params.push_back(params);
    } else {
      try {
        source_->write_row(s, options, params, images.data_ptr<float>() + batch.indices.size() * row_floats);
      } catch (const std::invalid_argument& e) {  // e.g. a crop the image cannot give
        batch.failures.push_back({input_name(i), e.what(), i});
        continue;
      }
    }
    batch.indices.push_back(i);
  }
  const auto rows = static_cast<std::int64_t>(batch.indices.size());
  if (options.packed) {
    source_->pack(kept, options, pinned, batch);
  } else {
    batch.images = images.narrow(0, 0, rows);
  }
  batch.labels = torch::zeros({rows}, torch::kInt64);
  return batch;
}

}  // namespace tessera::data
