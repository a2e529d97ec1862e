// The digits sheet as CT-like DICOM files (see include/tessera/data/dicom_digits.h): only the
// per-cell encoding lives here; slicing, split and the folder swap are slice_digits'.
#include "tessera/data/dicom_digits.h"

#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <opencv2/core.hpp>

#include "dicom_digit_cells.h"
#include "digits_slicing.h"
#include "tessera/core/error.h"
#include "tessera/data/loader.h"
#include "tessera/io/dicom.h"

namespace tessera::data {
namespace fs = std::filesystem;

DicomDigitEncoding dicom_digit_encoding(std::uint64_t seed, int sheet_index) {
  // One splitmix64 draw per cell, apart from the split's stream; each choice takes its own byte.
  const std::uint64_t h = splitmix64(splitmix64(seed ^ 0x6469636F6DULL) ^ static_cast<std::uint64_t>(sheet_index));
  const auto byte = [h](int k) { return static_cast<int>((h >> (8 * k)) & 0xFF); };
  DicomDigitEncoding e;
  e.monochrome1 = byte(0) < 64;                              // 25%
  e.slope = byte(1) < 32 ? 0.5 : byte(1) < 64 ? 2.0 : 1.0;   // 12.5% / 12.5% / 75%
  const int c = byte(2);                                     // about 10% each
  e.compression = c < 26   ? io::DicomCompression::rle
                  : c < 52 ? io::DicomCompression::jpeg_lossless
                  : c < 77 ? io::DicomCompression::jpeg_ls_lossless
                           : io::DicomCompression::none;
  // 12 bits stored hold -2048..2047: enough for 8 g / slope up to 2040 (slope 1 or 2), not for
  // slope 0.5 (up to 4080).
  e.bits_stored = e.slope != 0.5 && (byte(3) & 1) ? 12 : 16;
  return e;
}

// The cell's stored words: HU = -1024 + 8 g, mirrored for MONOCHROME1, then (HU - intercept) / slope.
io::DicomWriteSpec detail::dicom_digit_cell_spec(const cv::Mat& cell, const DicomDigitEncoding& e) {
  io::DicomWriteSpec spec;
  spec.rows = cell.rows;
  spec.columns = cell.cols;
  spec.bits_stored = e.bits_stored;
  spec.is_signed = true;
  spec.photometric = e.monochrome1 ? io::Photometric::monochrome1 : io::Photometric::monochrome2;
  spec.rescale = io::DicomRescale{e.slope, kDicomDigitsIntercept};
  spec.window = io::DicomWindow{kDicomDigitsWindowCenter, kDicomDigitsWindowWidth};
  spec.modality = "CT";
  spec.pixel_spacing = std::array<double, 2>{0.5, 0.5};
  spec.compression = e.compression;
  spec.words.reserve(static_cast<std::size_t>(cell.rows) * cell.cols);
  for (int y = 0; y < cell.rows; ++y) {
    for (int x = 0; x < cell.cols; ++x) {
      const int g = cell.at<std::uint8_t>(y, x);
      const double hu = dicom_digits_hu(e.monochrome1 ? 255 - g : g);  // -8 - HU(g) = HU(255 - g)
      const auto stored = static_cast<std::int16_t>((hu - kDicomDigitsIntercept) / e.slope);
      spec.words.push_back(static_cast<std::uint16_t>(stored));
    }
  }
  return spec;
}

namespace {

// How many files of each kind were written, for SOURCE.txt.
struct EncodingCounts {
  std::map<std::string, std::size_t> syntax, photometric, slope, bits;
};

std::string describe(const EncodingCounts& counts) {
  std::ostringstream text;
  text << "encoding: CT, HU = -1024 + 8 * grey, RescaleIntercept -1024, signed 16-bit words, "
          "PixelSpacing 0.5\\0.5,\n"
          "  window centre -3.5 / width 2041 (LINEAR: HU -1024..1016 -> 0..1 = grey / 255);\n"
          "  MONOCHROME1 files store -8 - HU, so window then inversion give the same picture\n";
  const auto line = [&text](const char* name, const std::map<std::string, std::size_t>& counted) {
    text << name << ":";
    const char* separator = " ";
    for (const auto& [key, n] : counted) {
      text << separator << key << " " << n;
      separator = ", ";
    }
    text << "\n";
  };
  line("transfer syntax", counts.syntax);
  line("photometric", counts.photometric);
  line("rescale slope", counts.slope);
  line("bits stored", counts.bits);
  return text.str();
}

}  // namespace

PreparedCounts prepare_dicom_digits(const fs::path& sheet, const fs::path& out, std::uint64_t seed, DigitsSplit split) {
  if (!io::dicom_available()) {
    throw UserError("prepare dicom-digits needs DICOM support: rebuild with -DTESSERA_WITH_DCMTK=ON (libdcmtk-dev)");
  }
  auto counts = std::make_shared<EncodingCounts>();
  auto test_cells = std::make_shared<std::vector<detail::DigitCell>>();
  detail::DigitsFormat dicom;
  dicom.dataset = "dicom-digits";
  dicom.extension = ".dcm";
  dicom.write_cell = [seed, counts, test_cells](const cv::Mat& cell, int sheet_index, const fs::path& file) {
    const DicomDigitEncoding e = dicom_digit_encoding(seed, sheet_index);
    try {
      io::write_dicom(file, detail::dicom_digit_cell_spec(cell, e));
    } catch (const UserError& error) {  // synthetic files: naming the path is safe and helps
      throw UserError(std::string(error.what()) + " (" + file.string() + ")");
    }
    ++counts->syntax[io::compression_name(e.compression)];
    ++counts->photometric[e.monochrome1 ? "MONOCHROME1" : "MONOCHROME2"];
    ++counts->slope[e.slope == 0.5 ? "0.5" : e.slope == 2.0 ? "2" : "1"];
    ++counts->bits[std::to_string(e.bits_stored)];
    if (file.parent_path().parent_path().filename() == "test") {  // <split>/<digit>/<NNNN>.dcm
      test_cells->push_back({std::stoi(file.parent_path().filename().string()), sheet_index, cell.clone()});
    }
  };
  dicom.finish = [counts, test_cells, seed](const fs::path& root) {
    return describe(*counts) + detail::write_dicom_digit_series(root, *test_cells, seed);
  };
  return detail::slice_digits(sheet, out, seed, split, dicom);
}

}  // namespace tessera::data
