#pragma once
// Private to the data module (needs OpenCV): what prepare_dicom_digits shares between its class
// folders and its series demo.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "tessera/data/dicom_digits.h"

namespace tessera::data::detail {

// The DICOM spec of one 20x20 cell under encoding `e` (no geometry): see dicom_digits.h.
io::DicomWriteSpec dicom_digit_cell_spec(const cv::Mat& cell, const DicomDigitEncoding& e);

struct DigitCell {
  int digit = 0;
  int sheet_index = 0;
  cv::Mat pixels;  // a copy: the sheet is gone by the time the series are written
};

// Writes <root>/series/series_NN/ (see dicom_digits.h: kDicomDigitSeries stacks of test cells)
// and <root>/series/labels.csv; returns the lines for SOURCE.txt.
std::string write_dicom_digit_series(const std::filesystem::path& root, const std::vector<DigitCell>& test_cells,
                                     std::uint64_t seed);

}  // namespace tessera::data::detail
