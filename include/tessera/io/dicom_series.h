#pragma once
// A DICOM series (one file per slice) as an ordered stack and as a D x H x W volume.
//
// Order: slices are sorted by their position along the slice normal, n = row direction x column
// direction of ImageOrientationPatient, position = n . ImagePositionPatient (PS3.3 C.7.6.2.1.1);
// neither file names nor InstanceNumber are trusted, since scanners and anonymisers rename and
// renumber. Spacing between slices is the median step of those positions, because
// SliceThickness is not the spacing (overlapping reconstructions) and one odd step must not
// decide it.
//
// Warnings (the series is still usable): a gap (a step more than 1.5x the median), duplicate
// positions (two slices within 0.01 mm), orientations that differ between slices, slices without
// position/orientation (then the input order is kept). Warnings name slices through the caller's
// SliceNamer ("slice #<index in the input order>" by default) and give geometry in mm only, never
// a path or another header value: series folders are often named after the patient.
#include <array>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tessera/io/dicom.h"

namespace tessera::io {

struct SliceOrder {
  std::vector<std::size_t> order;   // input indices, first slice first
  std::vector<double> positions;    // mm along the normal, per entry of `order` (ascending)
  double spacing = 0.0;             // median step in mm; 0 with fewer than two distinct positions
  bool has_geometry = false;        // every slice had position and orientation
  std::vector<std::size_t> duplicates;  // input indices of slices at the position of an earlier one
  std::vector<std::string> warnings;
};

// How a warning names the slice at an input index; it must not return a path.
using SliceNamer = std::function<std::string(std::size_t)>;

// The order of the slices of one series from their headers (pure geometry, no file access).
SliceOrder order_slices(const std::vector<DicomMetadata>& slices, const SliceNamer& name = {});

struct DicomVolume {
  int depth = 0, rows = 0, columns = 0;
  std::vector<float> values;          // modality values (HU for CT), depth x rows x columns
  std::array<double, 3> spacing{};    // mm: between slices, between rows, between columns (0 = unknown)
  SliceOrder order;                   // how the files were stacked; its warnings included
  DicomMetadata first;                // the first slice's header (window, modality, photometric, ...)
};

// The DICOM files directly inside `folder` (io::is_dicom_file, not recursive) stacked into a volume.
// Duplicate slices are left out (the first one in input order is kept). Every slice must be a
// single-frame monochrome image of the same rows x columns: otherwise a DecodeError naming the
// slice index and the mismatch. A folder holding one multi-frame file (enhanced CT/MR) is that
// file's volume: its frames are the slices, ordered by their per-frame plane positions. A folder without DICOM files is a UserError naming the folder (the
// caller chose to show that path). Errors from decoding a slice say which slice (by index).
DicomVolume load_dicom_volume(const std::filesystem::path& folder);

// The DICOM files directly inside `folder` in sorted path order (the input order above).
std::vector<std::filesystem::path> list_series_files(const std::filesystem::path& folder);

}  // namespace tessera::io
