#pragma once
// Samples that arrive as bytes (a request body of `tessera serve`) instead of files, decoded and
// preprocessed as BatchLoader treats a file holding the same bytes for evaluation: the same
// sample source (image formats, or DICOM with the run's window), center crop, the run's resize and
// normalisation, float rows or the packed batch for the GPU kernel. So a served model answers
// what `tessera infer` writes for that file.
//
// decode() runs on any thread (request workers decode while a batch runs); assemble() builds one
// batch from decoded samples, in order. A sample that does not decode keeps its reason in
// DecodedSample::failure and becomes a Batch::failures entry named "input #<position>".
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "tessera/data/loader.h"
#include "tessera/data/sample_source.h"

namespace tessera::data {

class EncodedSamples {
 public:
  // `dicom`: the run was trained on DICOM files (bytes are whole DICOM files); else image files.
  // Throws UserError for options the source refuses (make_dicom_source).
  EncodedSamples(bool dicom, LoaderOptions options);

  DecodedSample decode(std::string_view bytes, std::size_t position) const;
  // Output size: options.preprocess.out_h/out_w, else the resize size, else the first decoded
  // sample's size (as the loader takes its dataset's first image).
  Batch assemble(const std::vector<const DecodedSample*>& samples, bool pinned) const;

  const LoaderOptions& options() const { return options_; }
  bool dicom() const { return dicom_; }

 private:
  bool dicom_;
  LoaderOptions options_;
  std::unique_ptr<SampleSource> source_;  // write_row and pack: the loader's own code
};

}  // namespace tessera::data
