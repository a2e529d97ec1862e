#pragma once
// What drift monitoring measures on a set of images, one image (and one prediction) at a time.
// Images are measured as decoded, before resizing and without augmentation:
//   pixel_histogram.<channel>  equal-width bins on the decoded range (0..255 for 8-bit images,
//                              the windowed [0, 1] for DICOM); each image counts equally (the
//                              mean of per-image proportions), so a few large images do not
//                              dominate
//   mean_intensity.<channel>   per image, in the same units
//   width, height, aspect      per image; aspect = width / height
//   confidence                 per image, the model's largest softmax probability
//   predicted_class            counts per class of the model's top prediction
// Channels are named grey, or red, green, blue. Numeric features keep a seeded bounded sample.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tessera/ops/medical_intensity.h"
#include "tessera/tasks/bounded_sample.h"

namespace tessera::tasks {

// What a set of images looked like: the accumulated features, ready to store or compare.
struct FeatureSummary {
  bool dicom = false;
  int histogram_bins = 0;
  std::vector<std::string> channels;
  std::vector<std::vector<double>> histograms;         // [channel][bin], proportions summing to 1
  std::map<std::string, std::vector<double>> samples;  // numeric feature -> bounded sample
  std::map<std::string, std::int64_t> seen;            // numeric feature -> values seen in all
  std::vector<std::string> classes;
  std::vector<double> predicted;      // images per predicted class
  std::int64_t images = 0;            // images measured (features)
  std::int64_t predicted_images = 0;  // images the model predicted
  std::int64_t unreadable = 0;        // files that could not be decoded (skipped)
};

nlohmann::json to_json(const FeatureSummary& summary);
// `where` names the file for the UserError a malformed summary gives.
FeatureSummary summary_from_json(const nlohmann::json& json, const std::string& where);

// "grey" or "red", "green", "blue".
std::vector<std::string> channel_names(int channels);

class ImageObserver {
 public:
  // channels: 1 or 3 for images (the decoded channels); DICOM images are one windowed plane.
  ImageObserver(int channels, bool dicom, int histogram_bins, std::size_t sample_size, std::uint64_t seed,
                std::vector<std::string> classes);

  // One decoded 8-bit image, HWC rows packed.
  void add_image(const std::uint8_t* pixels, int height, int width, int channels);
  // One DICOM image: stored 16-bit words, windowed by `intensity` to [0, 1] (inverted for MONOCHROME1).
  void add_dicom(const std::uint16_t* words, int height, int width, const ops::MedicalIntensity& intensity);
  // One image's class probabilities.
  void add_prediction(const float* probabilities, std::size_t classes);
  void add_unreadable() { ++summary_.unreadable; }

  FeatureSummary summary() const;

 private:
  void add_numeric(const std::string& name, double value);
  void add_geometry(int height, int width);

  FeatureSummary summary_;  // histograms hold sums of proportions until summary()
  std::size_t sample_size_;
  std::uint64_t seed_;
  std::map<std::string, BoundedSample> samples_;
};

}  // namespace tessera::tasks
