#pragma once
// Per-format sample sources for the batch loader (loader.h). The loader's scheduler decides which
// thread handles which sample and when a batch is complete; a source knows one format: how to
// decode a sample, how to preprocess it into a float row, how to pack decoded samples for a GPU
// kernel, and how to name a sample that failed. A new format is a new source, not new branches in
// the scheduler.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tessera/data/dataset.h"
#include "tessera/io/dicom.h"
#include "tessera/io/image.h"
#include "tessera/ops/dicom_intensity.h"
#include "tessera/ops/preprocess_images.h"
#include "tessera/ops/preprocess_medical.h"

namespace tessera::data {

struct Batch;
struct LoaderOptions;

// One decoded sample; the source that made it fills its own fields.
struct DecodedSample {
  io::Image image;                  // image sources: u8 HWC with LoaderOptions::channels
  io::DicomStored dicom;            // DICOM: the stored 16-bit words of the single frame
  ops::MedicalIntensity intensity;  // DICOM: its intensity chain, window applied
  std::string failure;              // non-empty: the file could not be decoded (DecodeError's message)
  int height = 0, width = 0;
};

// Every method is called from several loader threads at once: a source keeps no mutable state.
class SampleSource {
 public:
  virtual ~SampleSource() = default;
  // Decodes dataset sample `index`. A corrupt file comes back with `failure` set; anything else
  // (a missing or unreadable file: UserError) throws and becomes the batch's error.
  virtual DecodedSample decode(std::size_t index) const = 0;
  // {height, width} of sample `index` without preprocessing it; throws DecodeError when it does
  // not decode (the loader then tries the next sample). Sets the output size when none is given.
  virtual std::pair<int, int> probe_size(std::size_t index) const = 0;
  // Preprocesses one decoded sample into a float CHW row of options.preprocess's output size.
  // Throws std::invalid_argument when it cannot (e.g. a crop larger than the padded image).
  virtual void write_row(const DecodedSample& sample, const LoaderOptions& options, const ops::SampleParams& params,
                         float* row) const = 0;
  // LoaderOptions::packed: the batch's decoded samples back to back in Batch::packed (pinned
  // when `pinned`), plus whatever else the format's GPU kernel needs (DICOM: Batch::intensities).
  virtual void pack(const std::vector<const DecodedSample*>& samples, const LoaderOptions& options, bool pinned,
                    Batch& batch) const = 0;
  // How sample `index` is named in Batch::failures: its path, or an opaque reference for formats
  // whose paths may hold patient data.
  virtual std::filesystem::path reference(std::size_t index) const = 0;
  // The line logged (once per sample) when sample `index` failed to decode with `reason`.
  virtual std::string skip_message(std::size_t index, const std::string& reason) const = 0;
};

// JPEG, PNG, BMP and TIFF files (io::decode_image), preprocessed on the CPU by ops::preprocess.
// decode() is virtual so a test or benchmark can stand in for the codec (make_synthetic_source).
class ImageSampleSource : public SampleSource {
 public:
  // `dataset` must outlive the source (the loader owns both).
  ImageSampleSource(const ClassificationDataset& dataset, int channels) : dataset_(dataset), channels_(channels) {}
  DecodedSample decode(std::size_t index) const override;
  std::pair<int, int> probe_size(std::size_t index) const override;
  void write_row(const DecodedSample& sample, const LoaderOptions& options, const ops::SampleParams& params,
                 float* row) const override;
  void pack(const std::vector<const DecodedSample*>& samples, const LoaderOptions& options, bool pinned,
            Batch& batch) const override;
  std::filesystem::path reference(std::size_t index) const override;
  std::string skip_message(std::size_t index, const std::string& reason) const override;

 protected:
  const ClassificationDataset& dataset_;
  int channels_;
};

// Makes the source a loader uses, given the loader's own dataset (which outlives the source) and
// its validated options.
using SourceFactory =
    std::function<std::unique_ptr<SampleSource>(const ClassificationDataset& dataset, const LoaderOptions& options)>;

// The source for `dataset` under `options`: DICOM (io::decode_dicom_stored, the medical pipeline)
// when every sample is DICOM, images otherwise. Throws UserError for a mixed dataset, for DICOM in
// a build without DCMTK, and for options the DICOM pipeline cannot honour (per-channel mean/std,
// a window narrower than 1).
std::unique_ptr<SampleSource> make_sample_source(const ClassificationDataset& dataset, const LoaderOptions& options);
// The DICOM source alone (make_sample_source picks it for a DICOM dataset). Throws UserError for
// options the medical pipeline cannot take (per-channel mean/std, a window narrower than 1).
std::unique_ptr<SampleSource> make_dicom_source(const ClassificationDataset& dataset, const LoaderOptions& options);
// One DICOM file's stored values as a sample: single-frame only, its intensity chain windowed by
// `window`; what makes it unusable goes to `failure`. Header warnings are logged under
// `reference`, which must not be a path (paths may hold patient data).
DecodedSample dicom_sample(io::DicomStored stored, const ops::WindowChoice& window, const std::string& reference);

// Stands in for a codec when measuring the scheduler: sample i is a height x width image whose
// pixels depend only on i, "decoded" by sleeping `decode_time` on the calling thread (a thread
// waiting, as on I/O or a decoder elsewhere, so a 2-core machine can model 8 or 16 busy decoders).
// The dataset supplies only the labels and the count; its paths are never opened. Channels come
// from the loader's options.
SourceFactory synthetic_source(int height, int width, std::chrono::microseconds decode_time);

}  // namespace tessera::data
