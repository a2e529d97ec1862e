// The series demo of dicom-digits (see include/tessera/data/dicom_digits.h): test-split cells of
// one digit stacked as an axial CT series, the input `tessera infer` turns into per-slice rows
// in position order plus one answer per series.
#include <algorithm>
#include <array>
#include <map>
#include <sstream>

#include "dicom_digit_cells.h"
#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/data/loader.h"

namespace tessera::data::detail {
namespace fs = std::filesystem;

std::string write_dicom_digit_series(const fs::path& root, const std::vector<DigitCell>& test_cells, std::uint64_t seed) {
  std::map<int, std::vector<const DigitCell*>> by_digit;
  for (const auto& cell : test_cells) by_digit[cell.digit].push_back(&cell);
  const fs::path series_root = root / "series";
  std::string labels = "series,label\n";
  int written_series = 0, written_files = 0;
  for (int series = 0; series < kDicomDigitSeries; ++series) {
    const int digit = series % 10, stack = series / 10;
    const auto& cells = by_digit[digit];
    const std::size_t first = static_cast<std::size_t>(stack * kDicomDigitSlices);
    if (cells.size() < first + kDicomDigitSlices) continue;  // a split with too few test cells
    char name[16];
    std::snprintf(name, sizeof name, "series_%02d", series);
    const fs::path folder = series_root / name;
    fs::create_directories(folder);
    for (int k = 0; k < kDicomDigitSlices; ++k) {
      if (series == kDicomDigitGapSeries && k == kDicomDigitSlices / 2) continue;  // a missing slice: a gap
      const DigitCell& cell = *cells[first + static_cast<std::size_t>(k)];
      io::DicomWriteSpec spec = dicom_digit_cell_spec(cell.pixels, dicom_digit_encoding(seed, cell.sheet_index));
      spec.image_position = std::array<double, 3>{-5.0, -5.0, kDicomDigitFirstZ + kDicomDigitSpacing * k};
      spec.image_orientation = std::array<double, 6>{1, 0, 0, 0, 1, 0};
      spec.slice_thickness = kDicomDigitSpacing;
      const int copies = series == kDicomDigitDuplicateSeries && k == 2 ? 2 : 1;  // a slice sent twice
      for (int copy = 0; copy < copies; ++copy) {
        // Names in a seeded, scrambled order, as PACS exports often are: file order is not slice order.
        char file[32];
        std::snprintf(file, sizeof file, "IM%08llx.dcm",
                      static_cast<unsigned long long>(
                          splitmix64(seed ^ (static_cast<std::uint64_t>(series) << 32 | static_cast<std::uint64_t>(k * 2 + copy))) &
                          0xFFFFFFFFULL));
        io::write_dicom(folder / file, spec);
        ++written_files;
      }
    }
    labels += std::string(name) + "," + std::to_string(digit) + "\n";
    ++written_series;
  }
  write_file_atomic(series_root / "labels.csv", labels);
  std::ostringstream text;
  text << "series/: " << written_series << " axial CT series of test-split cells of one digit each (" << written_files
       << " files), " << kDicomDigitSlices << " slices " << kDicomDigitSpacing
       << " mm apart, scrambled file names; series_" << (kDicomDigitGapSeries < 10 ? "0" : "") << kDicomDigitGapSeries
       << " misses a slice (a gap), series_" << (kDicomDigitDuplicateSeries < 10 ? "0" : "") << kDicomDigitDuplicateSeries
       << " holds one slice twice; series/labels.csv gives each series' digit\n";
  return text.str();
}

}  // namespace tessera::data::detail
