#include "tessera/report/thumbnails.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "tessera/core/error.h"
#include "tessera/core/logging.h"
#include "tessera/report/base64.h"
#include "tessera/report/bmp.h"

namespace tessera::report {
namespace {

// For each output index, the source indices it covers and their weights (fractions of a
// source pixel, summing to 1): an exact box filter for any ratio.
struct Tap {
  int source;
  float weight;
};

std::vector<std::vector<Tap>> area_taps(int in, int out) {
  std::vector<std::vector<Tap>> taps(static_cast<std::size_t>(out));
  const double scale = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    const double begin = o * scale, end = (o + 1) * scale;
    for (int s = static_cast<int>(std::floor(begin)); s < std::min(in, static_cast<int>(std::ceil(end))); ++s) {
      const double covered = std::min(end, s + 1.0) - std::max(begin, static_cast<double>(s));
      if (covered > 1e-9) taps[static_cast<std::size_t>(o)].push_back({s, static_cast<float>(covered / scale)});
    }
  }
  return taps;
}

}  // namespace

Pixels denormalize(const float* chw, int channels, int height, int width, const std::vector<float>& mean,
                   const std::vector<float>& std) {
  if (chw == nullptr || height <= 0 || width <= 0 || (channels != 1 && channels != 3) ||
      mean.size() != static_cast<std::size_t>(channels) || std.size() != static_cast<std::size_t>(channels)) {
    throw std::invalid_argument("denormalize: needs pixels, positive sizes, 1 or 3 channels and a mean/std each");
  }
  Pixels out{height, width, channels, std::vector<std::uint8_t>(static_cast<std::size_t>(height) * width * channels)};
  const std::size_t plane = static_cast<std::size_t>(height) * width;
  for (int c = 0; c < channels; ++c) {
    for (std::size_t i = 0; i < plane; ++i) {
      const float v = (chw[static_cast<std::size_t>(c) * plane + i] * std[c] + mean[c]) * 255.0f;
      out.values[i * channels + c] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(v), 0.0f, 255.0f));
    }
  }
  return out;
}

Pixels shrink_to_fit(const Pixels& image, int max_side) {
  const int longest = std::max(image.height, image.width);
  if (max_side <= 0 || longest <= max_side) return image;
  const double scale = static_cast<double>(max_side) / longest;
  const int out_h = std::max(1, static_cast<int>(std::lround(image.height * scale)));
  const int out_w = std::max(1, static_cast<int>(std::lround(image.width * scale)));
  const auto rows = area_taps(image.height, out_h), columns = area_taps(image.width, out_w);
  const int c = image.channels;
  Pixels out{out_h, out_w, c, std::vector<std::uint8_t>(static_cast<std::size_t>(out_h) * out_w * c)};
  std::vector<float> sum(static_cast<std::size_t>(c));
  for (int oy = 0; oy < out_h; ++oy) {
    for (int ox = 0; ox < out_w; ++ox) {
      std::fill(sum.begin(), sum.end(), 0.0f);
      for (const Tap& ty : rows[static_cast<std::size_t>(oy)]) {
        for (const Tap& tx : columns[static_cast<std::size_t>(ox)]) {
          const std::uint8_t* p = image.values.data() + (static_cast<std::size_t>(ty.source) * image.width + tx.source) * c;
          for (int k = 0; k < c; ++k) sum[static_cast<std::size_t>(k)] += ty.weight * tx.weight * p[k];
        }
      }
      std::uint8_t* q = out.values.data() + (static_cast<std::size_t>(oy) * out_w + ox) * c;
      for (int k = 0; k < c; ++k) q[k] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(sum[static_cast<std::size_t>(k)]), 0.0f, 255.0f));
    }
  }
  return out;
}

std::string bmp_data_uri(const Pixels& image) {
  return "data:image/bmp;base64," + base64_encode(encode_bmp(image.values.data(), image.height, image.width, image.channels));
}

std::size_t add_thumbnails(nlohmann::json& report, const data::ClassificationDataset& dataset,
                           data::LoaderOptions options, int max_side) {
  if (!report.contains("mistakes") || !report["mistakes"].is_array()) return 0;
  auto& mistakes = report["mistakes"];
  data::ClassificationDataset subset{dataset.classes, {}, dataset.root};
  std::vector<std::size_t> entry_of;  // subset sample -> entry of `mistakes`
  for (std::size_t i = 0; i < mistakes.size(); ++i) {
    const auto& index = mistakes[i].is_object() ? mistakes[i].value("index", nlohmann::json()) : nlohmann::json();
    if (!index.is_number_integer()) continue;
    const auto k = index.get<std::int64_t>();
    if (k < 0 || static_cast<std::size_t>(k) >= dataset.samples.size()) continue;
    subset.samples.push_back(dataset.samples[static_cast<std::size_t>(k)]);
    entry_of.push_back(i);
  }
  if (subset.samples.empty()) return 0;
  // The eval path on the CPU (the float reference the GPU kernel matches), in dataset order.
  options.batch_size = static_cast<std::int64_t>(std::min<std::size_t>(subset.samples.size(), 64));
  options.workers = 0;
  options.shuffle = false;
  options.drop_last = false;
  options.augment = false;
  options.packed = false;
  options.cache_decoded = false;
  std::size_t added = 0;
  try {
    data::BatchLoader loader(std::move(subset), std::move(options));
    const auto& o = loader.options();  // normalisation filled in to one value per channel
    loader.start_epoch(0);
    while (auto batch = loader.next()) {
      const torch::Tensor images = batch->images.contiguous();
      for (std::int64_t row = 0; row < batch->size(); ++row) {
        const float* chw = images[row].data_ptr<float>();
        const Pixels pixels = denormalize(chw, o.channels, o.preprocess.out_h, o.preprocess.out_w, o.preprocess.mean,
                                          o.preprocess.std);
        mistakes[entry_of[batch->indices[static_cast<std::size_t>(row)]]]["thumbnail"] =
            bmp_data_uri(shrink_to_fit(pixels, max_side));
        ++added;
      }
    }
  } catch (const UserError&) {
    // Thumbnails are a courtesy: the report stands without them. The message is not logged, as
    // it may name a DICOM file (whose path can hold patient data).
    log::warn("report: thumbnails of the mistakes could not be made; the report has none");
  }
  return added;
}

}  // namespace tessera::report
