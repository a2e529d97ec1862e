#pragma once
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "tessera/core/config/reader.h"

namespace tessera::config {

enum class PreprocessDevice { automatic, cpu };
template <>
struct ChoiceTable<PreprocessDevice> {
  static constexpr ChoiceName<PreprocessDevice> names[] = {{PreprocessDevice::automatic, "auto"},
                                                           {PreprocessDevice::cpu, "cpu"}};
};

// A CT preset of data.window as {centre, width} in Hounsfield units (kWindowNames); nullopt for
// any other name ("file" and "minmax" are modes, not presets).
inline std::optional<std::array<double, 2>> window_preset(const std::string& name) {
  for (const auto& window : kWindowNames) {
    if (window.preset && window.name == name) return std::array<double, 2>{window.center, window.width};
  }
  return std::nullopt;
}

// Datasets and the input pipeline. Each split is a class-per-subfolder directory or a CSV
// manifest (path,label). Images are resized (bilinear, half-pixel centres, no antialias) to
// `resize`, then cropped to `crop`: a random window (after `pad` pixels of zero padding, with
// horizontal flips at rate `hflip`) while training, the centre window otherwise.
//
// DICOM inputs (.dcm/.dicom; a dataset is all images or all DICOM) go through the medical
// pipeline: rescale to modality units (HU for CT), then `window` maps them to [0, 1]:
//   file      the file's own WindowCenter/Width and VOI LUT function; a file without a usable
//             window falls back to minmax
//   minmax    the image's own min..max after rescale (LINEAR_EXACT)
//   brain | soft_tissue | abdomen | lung | bone   a CT preset (window_preset), linear function
//   [centre, width]                               an explicit window, linear function (width >= 1)
// MONOCHROME1 is inverted after windowing; `mean`/`std` then act on the windowed [0, 1] value and
// must hold the same value for every channel (channels 3 replicates the grey plane, e.g. for
// ImageNet-pretrained networks: mean [0.5, 0.5, 0.5]); the loader says so otherwise.
struct DataConfig {
  std::string train;                 // required for training
  std::string val;                   // optional: model selection and early stopping
  std::string test;                  // optional: evaluated once at the end of training
  int channels = 3;                  // 1 = grey, 3 = RGB
  Size2 resize{0, 0};                // 0 = keep the source size
  Size2 crop{224, 224};              // network input size
  int pad = 0;                       // zero padding before the random crop (shift augmentation)
  double hflip = 0.0;                // probability of a horizontal flip while training
  double rotate = 0.0;               // random rotation while training, uniform in +-rotate degrees
  double scale = 0.0;                // random zoom while training, uniform in 1 +- scale (ops/random_affine.h)
  std::vector<double> mean{0.485, 0.456, 0.406};  // per channel, on x/255
  std::vector<double> std{0.229, 0.224, 0.225};
  int batch_size = 64;
  ThreadCount workers{true, 0};      // decode threads: a count, or auto = cores - 1 (data::auto_workers)
  int prefetch = 4;                  // batches' worth of samples decoded ahead (memory; not a thread limit)
  bool drop_last = true;             // drop the last partial training batch
  bool cache = false;                // keep decoded images in memory (small datasets)
  // Where resize/crop/flip/normalise run: "auto" = on the run's device (one fused CUDA kernel
  // per batch on a GPU, decode threads then only decode), "cpu" = in the decode threads.
  PreprocessDevice preprocess_device = PreprocessDevice::automatic;
  Window window;                     // DICOM inputs only (see above)

  template <class V>
  void visit(V& v) {
    v.field("train", train);
    v.field("val", val);
    v.field("test", test);
    v.field("channels", channels, Applies::image_classification);
    v.field("resize", resize, Applies::image_classification);
    v.field("crop", crop, Applies::image_classification);
    v.field("pad", pad, Applies::image_classification);
    v.field("hflip", hflip, Applies::image_classification);
    v.field("rotate", rotate, Applies::image_classification);
    v.field("scale", scale, Applies::image_classification);
    v.field("mean", mean, Applies::image_classification);
    v.field("std", std, Applies::image_classification);
    v.field("batch_size", batch_size);
    v.field("workers", workers, Applies::image_classification);
    v.field("prefetch", prefetch, Applies::image_classification);
    v.field("drop_last", drop_last, Applies::image_classification);
    v.field("cache", cache, Applies::image_classification);
    v.field("preprocess_device", preprocess_device, Applies::image_classification);
    v.field("window", window, Applies::image_classification);
  }
  static std::string fmt(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  void validate(const SectionChecker& c) const {
    if (channels != 1 && channels != 3) c.fail("channels", "must be 1 (grey) or 3 (RGB), got " + std::to_string(channels));
    if (resize.height < 0 || resize.width < 0) c.fail("resize", "must be >= 0");
    if (crop.height <= 0 || crop.width <= 0) c.fail("crop", "must be > 0");
    c.non_negative("pad", pad);
    c.in_range("hflip", hflip, 0.0, 1.0);
    c.in_range("rotate", rotate, 0.0, 180.0);
    if (!(scale >= 0.0 && scale < 1.0)) c.fail("scale", "must be in [0, 1) (a zoom of 1 +- scale), got " + fmt(scale));
    if (mean.size() != static_cast<std::size_t>(channels)) {
      c.fail("mean", "needs one value per channel (" + std::to_string(channels) + "), got " + std::to_string(mean.size()));
    }
    if (std.size() != static_cast<std::size_t>(channels)) {
      c.fail("std", "needs one value per channel (" + std::to_string(channels) + "), got " + std::to_string(std.size()));
    }
    for (double s : std) {
      if (!(s > 0)) c.fail("std", "every value must be > 0");
    }
    c.positive("batch_size", batch_size);
    if (!workers.automatic) c.positive("workers", workers.count);
    c.positive("prefetch", prefetch);
    if (window.is_explicit()) {
      if (!(window.width >= 1.0)) {
        c.fail("window", "width must be >= 1 (the linear VOI function divides by width - 1), got " + fmt(window.width));
      }
    } else {
      c.one_of("window", window.name, window_names());
    }
  }
};

}  // namespace tessera::config
