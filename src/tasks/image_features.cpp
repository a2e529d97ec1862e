#include "tessera/tasks/image_features.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "tessera/core/error.h"

namespace tessera::tasks {

std::vector<std::string> channel_names(int channels) {
  if (channels == 1) return {"grey"};
  return {"red", "green", "blue"};
}

ImageObserver::ImageObserver(int channels, bool dicom, int histogram_bins, std::size_t sample_size, std::uint64_t seed,
                             std::vector<std::string> classes)
    : sample_size_(sample_size), seed_(seed) {
  summary_.dicom = dicom;
  summary_.histogram_bins = histogram_bins;
  summary_.channels = channel_names(dicom ? 1 : channels);
  summary_.histograms.assign(summary_.channels.size(),
                             std::vector<double>(static_cast<std::size_t>(histogram_bins), 0.0));
  summary_.predicted.assign(classes.size(), 0.0);
  summary_.classes = std::move(classes);
}

void ImageObserver::add_numeric(const std::string& name, double value) {
  auto it = samples_.find(name);
  if (it == samples_.end()) it = samples_.emplace(name, BoundedSample(sample_size_, seed_, name)).first;
  it->second.add(value);
}

void ImageObserver::add_geometry(int height, int width) {
  add_numeric("width", width);
  add_numeric("height", height);
  add_numeric("aspect", static_cast<double>(width) / height);
  ++summary_.images;
}

void ImageObserver::add_image(const std::uint8_t* pixels, int height, int width, int channels) {
  if (height <= 0 || width <= 0) return;
  if (channels != static_cast<int>(summary_.channels.size())) {
    throw std::invalid_argument("ImageObserver: an image of " + std::to_string(channels) + " channels, expected " +
                                std::to_string(summary_.channels.size()));
  }
  const int bins = summary_.histogram_bins;
  const auto pixels_per_channel = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  std::vector<std::vector<std::int64_t>> counts(static_cast<std::size_t>(channels),
                                                std::vector<std::int64_t>(static_cast<std::size_t>(bins), 0));
  std::vector<double> sums(static_cast<std::size_t>(channels), 0.0);
  for (std::size_t p = 0; p < pixels_per_channel; ++p) {
    for (int c = 0; c < channels; ++c) {
      const int v = pixels[p * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)];
      ++counts[static_cast<std::size_t>(c)][static_cast<std::size_t>(v * bins / 256)];
      sums[static_cast<std::size_t>(c)] += v;
    }
  }
  for (std::size_t c = 0; c < counts.size(); ++c) {
    for (int b = 0; b < bins; ++b) {
      summary_.histograms[c][static_cast<std::size_t>(b)] +=
          static_cast<double>(counts[c][static_cast<std::size_t>(b)]) / static_cast<double>(pixels_per_channel);
    }
    add_numeric("mean_intensity." + summary_.channels[c], sums[c] / static_cast<double>(pixels_per_channel));
  }
  add_geometry(height, width);
}

void ImageObserver::add_dicom(const std::uint16_t* words, int height, int width,
                              const ops::MedicalIntensity& intensity) {
  if (height <= 0 || width <= 0) return;
  const int bins = summary_.histogram_bins;
  const auto count = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(bins), 0);
  double sum = 0.0;
  for (std::size_t p = 0; p < count; ++p) {
    const float y = ops::voi_value(ops::modality_value(words[p], intensity), intensity);
    const int bin = std::clamp(static_cast<int>(std::floor(static_cast<double>(y) * bins)), 0, bins - 1);
    ++counts[static_cast<std::size_t>(bin)];
    sum += y;
  }
  for (int b = 0; b < bins; ++b) {
    summary_.histograms[0][static_cast<std::size_t>(b)] +=
        static_cast<double>(counts[static_cast<std::size_t>(b)]) / static_cast<double>(count);
  }
  add_numeric("mean_intensity." + summary_.channels[0], sum / static_cast<double>(count));
  add_geometry(height, width);
}

void ImageObserver::add_prediction(const float* probabilities, std::size_t classes) {
  if (classes == 0 || classes != summary_.predicted.size()) {
    throw std::invalid_argument("ImageObserver: " + std::to_string(classes) + " probabilities for " +
                                std::to_string(summary_.predicted.size()) + " classes");
  }
  const auto best = static_cast<std::size_t>(std::max_element(probabilities, probabilities + classes) - probabilities);
  summary_.predicted[best] += 1.0;
  add_numeric("confidence", probabilities[best]);
  ++summary_.predicted_images;
}

FeatureSummary ImageObserver::summary() const {
  FeatureSummary out = summary_;
  for (auto& histogram : out.histograms) {
    double total = 0.0;
    for (double v : histogram) total += v;
    if (total > 0) {
      for (double& v : histogram) v /= total;
    }
  }
  for (const auto& [name, sample] : samples_) {
    out.samples[name] = sample.values();
    out.seen[name] = sample.seen();
  }
  return out;
}

nlohmann::json to_json(const FeatureSummary& s) {
  nlohmann::json histograms = nlohmann::json::object();
  for (std::size_t c = 0; c < s.channels.size(); ++c) histograms[s.channels[c]] = s.histograms[c];
  nlohmann::json numeric = nlohmann::json::object();
  for (const auto& [name, values] : s.samples) numeric[name] = {{"seen", s.seen.at(name)}, {"sample", values}};
  return {{"dicom", s.dicom},
          {"value_range", s.dicom ? nlohmann::json{0.0, 1.0} : nlohmann::json{0, 255}},
          {"histogram_bins", s.histogram_bins},
          {"channels", s.channels},
          {"images", s.images},
          {"predicted_images", s.predicted_images},
          {"unreadable", s.unreadable},
          {"pixel_histograms", histograms},
          {"numeric", numeric},
          {"classes", s.classes},
          {"predicted_class_counts", s.predicted}};
}

FeatureSummary summary_from_json(const nlohmann::json& json, const std::string& where) {
  try {
    FeatureSummary s;
    s.dicom = json.at("dicom").get<bool>();
    s.histogram_bins = json.at("histogram_bins").get<int>();
    s.channels = json.at("channels").get<std::vector<std::string>>();
    for (const auto& channel : s.channels) {
      s.histograms.push_back(json.at("pixel_histograms").at(channel).get<std::vector<double>>());
      if (s.histograms.back().size() != static_cast<std::size_t>(s.histogram_bins)) {
        throw UserError(where + ": pixel_histograms." + channel + " does not have histogram_bins values");
      }
    }
    for (const auto& [name, feature] : json.at("numeric").items()) {
      s.samples[name] = feature.at("sample").get<std::vector<double>>();
      s.seen[name] = feature.at("seen").get<std::int64_t>();
    }
    s.classes = json.at("classes").get<std::vector<std::string>>();
    s.predicted = json.at("predicted_class_counts").get<std::vector<double>>();
    if (s.predicted.size() != s.classes.size())
      throw UserError(where + ": predicted_class_counts does not match classes");
    s.images = json.at("images").get<std::int64_t>();
    s.predicted_images = json.at("predicted_images").get<std::int64_t>();
    s.unreadable = json.at("unreadable").get<std::int64_t>();
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw UserError(where + ": not a drift reference this version understands (" + e.what() + ")");
  }
}

}  // namespace tessera::tasks
