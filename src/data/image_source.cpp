// Image files as loader samples (sample_source.h), and the synthetic stand-in for benchmarks.
#include <cstring>
#include <thread>

#include "tessera/core/error.h"
#include "tessera/data/loader.h"
#include "tessera/data/sample_source.h"
#include "tessera/ops/image_view.h"

namespace tessera::data {

DecodedSample ImageSampleSource::decode(std::size_t index) const {
  DecodedSample sample;
  try {
    sample.image = io::decode_image(dataset_.samples[index].path, channels_);
    sample.height = sample.image.height;
    sample.width = sample.image.width;
  } catch (const DecodeError& e) {
    sample.failure = e.what();
  }
  return sample;
}

std::pair<int, int> ImageSampleSource::probe_size(std::size_t index) const {
  const io::Image image = io::decode_image(dataset_.samples[index].path, channels_);
  return {image.height, image.width};
}

void ImageSampleSource::write_row(const DecodedSample& sample, const LoaderOptions& options,
                                  const ops::SampleParams& params, float* row) const {
  const io::Image& img = sample.image;
  ops::preprocess_images_reference(ops::ImageU8View{img.pixels.data(), img.height, img.width, img.channels},
                                   options.preprocess, params, row);
}

void ImageSampleSource::pack(const std::vector<const DecodedSample*>& samples, const LoaderOptions& options,
                             bool pinned, Batch& batch) const {
  ops::PackedBatch& packed = batch.packed;
  packed.channels = options.channels;
  std::int64_t total = 0;
  for (const DecodedSample* sample : samples) {
    packed.sources.push_back({total, sample->image.height, sample->image.width});
    total += static_cast<std::int64_t>(sample->image.pixels.size());
  }
  packed.values = torch::empty({total}, torch::TensorOptions().dtype(torch::kUInt8).pinned_memory(pinned));
  auto* out = packed.values.data_ptr<std::uint8_t>();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& pixels = samples[i]->image.pixels;
    std::memcpy(out + packed.sources[i].offset, pixels.data(), pixels.size());
  }
}

std::filesystem::path ImageSampleSource::reference(std::size_t index) const { return dataset_.samples[index].path; }

std::string ImageSampleSource::skip_message(std::size_t, const std::string& reason) const {
  return "skipping a corrupt image: " + reason;  // DecodeError messages name the file
}

namespace {

class SyntheticSource final : public ImageSampleSource {
 public:
  SyntheticSource(const ClassificationDataset& dataset, int channels, int height, int width,
                  std::chrono::microseconds decode_time)
      : ImageSampleSource(dataset, channels), height_(height), width_(width), decode_time_(decode_time) {}

  DecodedSample decode(std::size_t index) const override {
    if (decode_time_.count() > 0) std::this_thread::sleep_for(decode_time_);
    DecodedSample sample;
    sample.height = height_;
    sample.width = width_;
    sample.image = {height_, width_, channels_, {}};
    sample.image.pixels.resize(static_cast<std::size_t>(height_) * width_ * channels_);
    for (std::size_t p = 0; p < sample.image.pixels.size(); ++p) {
      sample.image.pixels[p] = static_cast<std::uint8_t>((index * 131 + p * 7 + p / 5) & 0xFF);
    }
    return sample;
  }

  std::pair<int, int> probe_size(std::size_t) const override { return {height_, width_}; }

 private:
  int height_, width_;
  std::chrono::microseconds decode_time_;
};

}  // namespace

SourceFactory synthetic_source(int height, int width, std::chrono::microseconds decode_time) {
  if (height < 1 || width < 1) throw UserError("a synthetic source needs a positive size");
  return [=](const ClassificationDataset& dataset, const LoaderOptions& options) -> std::unique_ptr<SampleSource> {
    return std::make_unique<SyntheticSource>(dataset, options.channels, height, width, decode_time);
  };
}

}  // namespace tessera::data
