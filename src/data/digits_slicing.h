#pragma once
// Private to the data module (needs OpenCV): the digits sheet sliced into a class-folder dataset,
// whatever the file format of a cell. Checking the sheet and split, the seeded per-class split,
// the "<out>.tmp" folder, SOURCE.txt and the final swap are shared by prepare_digits (PNG) and
// prepare_dicom_digits (DICOM), so both give the same cells to the same splits for one seed.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include <opencv2/core.hpp>

#include "tessera/data/digits.h"

namespace tessera::data::detail {

struct DigitsFormat {
  std::string dataset;    // the `tessera prepare` name, for SOURCE.txt: "digits", "dicom-digits"
  std::string extension;  // of every cell's file: ".png", ".dcm"
  // Writes one 20x20 CV_8UC1 cell; sheet_index = row * 100 + column of the cell on the sheet.
  std::function<void(const cv::Mat& cell, int sheet_index, const std::filesystem::path& file)> write_cell;
  // Runs once every cell is written, in the dataset folder being built (`root`, renamed into place
  // afterwards), and returns lines for SOURCE.txt (how the cells were encoded, extra folders it
  // wrote); may be empty.
  std::function<std::string(const std::filesystem::path& root)> finish;
};

// prepare_digits with the cell format as a parameter (see digits.h for the layout and errors).
PreparedCounts slice_digits(const std::filesystem::path& sheet, const std::filesystem::path& out, std::uint64_t seed,
                            const DigitsSplit& split, const DigitsFormat& format);

}  // namespace tessera::data::detail
