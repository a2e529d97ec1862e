#pragma once
// Thumbnails of the worst mistakes for report.html. Each sample is decoded and preprocessed by
// the evaluation loader's own path (resize, centre crop, DICOM rescale and window; never
// augmentation), and the normalisation is undone, so the picture is what the network saw. It is
// shrunk to fit a square of `max_side` pixels (never enlarged; the page scales small ones up
// with crisp pixels) and stored inline as "data:image/bmp;base64,...". A DICOM thumbnail holds
// pixels only: no header text, no path.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/data/dataset.h"
#include "tessera/data/loader.h"

namespace tessera::report {

struct Pixels {  // u8, height x width x channels, row-major (channels 1 or 3)
  int height = 0, width = 0, channels = 0;
  std::vector<std::uint8_t> values;
};

// Sets "thumbnail" on each entry of report["mistakes"] whose "index" names a sample of
// `dataset` (the dataset that was evaluated) and that decodes; a sample that cannot be read, or
// an index out of range, simply gets none. `options`: the eval loader's (the task's
// loader_options for the test split); batch size, workers and augmentation are overridden here.
// Returns the number of thumbnails added.
std::size_t add_thumbnails(nlohmann::json& report, const data::ClassificationDataset& dataset,
                           data::LoaderOptions options, int max_side = 96);

// Normalised float CHW -> u8 HWC: round(255 * (x * std[c] + mean[c])), clamped to [0, 255].
Pixels denormalize(const float* chw, int channels, int height, int width, const std::vector<float>& mean,
                   const std::vector<float>& std);

// The image scaled down by area averaging to fit max_side x max_side, keeping its aspect ratio;
// returned unchanged when it already fits.
Pixels shrink_to_fit(const Pixels& image, int max_side);

// "data:image/bmp;base64,..." of the image.
std::string bmp_data_uri(const Pixels& image);

}  // namespace tessera::report
