// Series ordering and volume stacking (see include/tessera/io/dicom_series.h). Plain geometry on
// allowlisted header values; pixel data comes through decode_dicom, so this file builds without
// DCMTK too (decode_dicom then says DICOM is not built in).
#include "tessera/io/dicom_series.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "tessera/core/error.h"

namespace tessera::io {
namespace fs = std::filesystem;
namespace {

constexpr double kDuplicateMm = 0.01;    // closer than this: the same position
constexpr double kGapFactor = 1.5;       // a step this much larger than the median is a gap
constexpr double kOrientationTolerance = 1e-4;

using Vec3 = std::array<double, 3>;

Vec3 slice_normal(const std::array<double, 6>& o) {
  // Row direction (o[0..2]) x column direction (o[3..5]).
  return {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
}

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

std::string mm(double value) {
  std::ostringstream out;
  out.precision(4);
  out << value << " mm";
  return out.str();
}

double median(std::vector<double> values) {
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (values.size() % 2 == 1) return *middle;
  return (*middle + *std::max_element(values.begin(), middle)) / 2;
}

bool same_orientation(const std::array<double, 6>& a, const std::array<double, 6>& b) {
  for (int i = 0; i < 6; ++i) {
    if (std::abs(a[i] - b[i]) > kOrientationTolerance) return false;
  }
  return true;
}

// Drops duplicates from `order` (keeping the earliest input index at each position) and sets the
// median spacing and gap warnings from what remains.
void measure_steps(SliceOrder& result, const SliceNamer& name) {
  std::vector<std::size_t> kept_order;
  std::vector<double> kept_positions;
  for (std::size_t i = 0; i < result.order.size(); ++i) {
    if (!kept_positions.empty() && result.positions[i] - kept_positions.back() < kDuplicateMm) {
      const std::size_t earlier = kept_order.back(), later = result.order[i];
      result.warnings.push_back("duplicate slice position " + mm(result.positions[i]) + ": " +
                                name(std::min(earlier, later)) + " and " + name(std::max(earlier, later)));
      result.duplicates.push_back(std::max(earlier, later));
      if (later < earlier) kept_order.back() = later;  // keep the first in input order
      continue;
    }
    kept_order.push_back(result.order[i]);
    kept_positions.push_back(result.positions[i]);
  }
  if (kept_positions.size() < 2) return;
  std::vector<double> steps;
  for (std::size_t i = 1; i < kept_positions.size(); ++i) steps.push_back(kept_positions[i] - kept_positions[i - 1]);
  result.spacing = median(steps);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i] > kGapFactor * result.spacing) {
      result.warnings.push_back("gap of " + mm(steps[i]) + " between " + name(kept_order[i]) + " and " +
                                name(kept_order[i + 1]) + " (spacing " + mm(result.spacing) + ")");
    }
  }
}

}  // namespace

SliceOrder order_slices(const std::vector<DicomMetadata>& slices, const SliceNamer& namer) {
  const SliceNamer name = namer ? namer : [](std::size_t i) { return "slice #" + std::to_string(i); };
  SliceOrder result;
  result.order.resize(slices.size());
  std::iota(result.order.begin(), result.order.end(), std::size_t{0});
  if (slices.empty()) return result;

  result.has_geometry = std::all_of(slices.begin(), slices.end(), [](const DicomMetadata& m) {
    return m.image_position.has_value() && m.image_orientation.has_value();
  });
  if (!result.has_geometry) {
    if (slices.size() > 1) {
      result.warnings.push_back("slices without ImagePositionPatient/ImageOrientationPatient: kept in file order, "
                                "spacing unknown");
    }
    result.positions.assign(slices.size(), 0.0);
    return result;
  }

  const auto& reference = *slices.front().image_orientation;
  const Vec3 normal = slice_normal(reference);
  std::vector<double> along(slices.size());
  for (std::size_t i = 0; i < slices.size(); ++i) {
    if (!same_orientation(*slices[i].image_orientation, reference)) {
      result.warnings.push_back(name(i) + " is oriented differently from " + name(0));
    }
    along[i] = dot(normal, *slices[i].image_position);
  }
  // Stable: slices at one position keep their input order, so "the first" is well defined.
  std::stable_sort(result.order.begin(), result.order.end(),
                   [&](std::size_t a, std::size_t b) { return along[a] < along[b]; });
  for (std::size_t index : result.order) result.positions.push_back(along[index]);
  measure_steps(result, name);
  return result;
}

std::vector<fs::path> list_series_files(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw UserError("series folder not found: " + folder.string());
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_regular_file() && is_dicom_file(entry.path())) files.push_back(entry.path());
  }
  if (ec) throw UserError("cannot list series folder " + folder.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

// The decoded slices (input order) stacked by their positions; warnings name slices by `name`.
DicomVolume stack_slices(const std::vector<DicomImage>& slices, const std::vector<DicomMetadata>& headers,
                         const SliceNamer& name);

// One enhanced multi-frame file as a volume: its frames are the slices, each with the position
// and rescale of its functional groups (decode_dicom applied the rescale per frame already).
DicomVolume volume_from_frames(DicomImage image) {
  const DicomMetadata& m = image.meta;
  if (image.channels != 1) {
    throw DecodeError("the multi-frame file has " + std::to_string(image.channels) +
                      " channels; a volume takes monochrome frames");
  }
  std::vector<DicomMetadata> headers;
  for (int f = 0; f < m.frames; ++f) headers.push_back(frame_metadata(m, f));
  std::vector<DicomImage> slices(headers.size());
  const std::size_t plane = static_cast<std::size_t>(m.rows) * static_cast<std::size_t>(m.columns);
  for (std::size_t f = 0; f < headers.size(); ++f) {
    slices[f].meta = headers[f];
    slices[f].channels = 1;
    slices[f].values.assign(image.values.begin() + static_cast<std::ptrdiff_t>(f * plane),
                            image.values.begin() + static_cast<std::ptrdiff_t>((f + 1) * plane));
  }
  return stack_slices(slices, headers, [](std::size_t f) { return "frame #" + std::to_string(f); });
}

}  // namespace

DicomVolume load_dicom_volume(const fs::path& folder) {
  const auto files = list_series_files(folder);
  if (files.empty()) throw UserError("no DICOM files (.dcm/.dicom) in series folder " + folder.string());
  if (files.size() == 1) {  // an enhanced multi-frame file holds a whole volume
    DicomImage only;
    try {
      only = decode_dicom(files.front());
    } catch (const DecodeError& e) {
      throw DecodeError("series slice #0: " + std::string(e.what()));
    }
    if (only.meta.frames > 1) return volume_from_frames(std::move(only));
  }

  std::vector<DicomImage> slices;
  slices.reserve(files.size());
  std::vector<DicomMetadata> headers;
  for (std::size_t i = 0; i < files.size(); ++i) {
    try {
      slices.push_back(decode_dicom(files[i]));
    } catch (const DecodeError& e) {
      throw DecodeError("series slice #" + std::to_string(i) + ": " + e.what());
    }
    const DicomImage& slice = slices.back();
    if (slice.meta.frames != 1 || slice.channels != 1) {
      throw DecodeError("series slice #" + std::to_string(i) + " is not a single-frame monochrome image (" +
                        std::to_string(slice.meta.frames) + " frames, " + std::to_string(slice.channels) +
                        " channels); a volume is stacked from one file per slice");
    }
    if (slice.meta.rows != slices.front().meta.rows || slice.meta.columns != slices.front().meta.columns) {
      throw DecodeError("series slice #" + std::to_string(i) + " is " + std::to_string(slice.meta.columns) + "x" +
                        std::to_string(slice.meta.rows) + ", slice #0 is " +
                        std::to_string(slices.front().meta.columns) + "x" + std::to_string(slices.front().meta.rows));
    }
    headers.push_back(slice.meta);
  }
  return stack_slices(slices, headers, [](std::size_t i) { return "slice #" + std::to_string(i); });
}

namespace {

DicomVolume stack_slices(const std::vector<DicomImage>& slices, const std::vector<DicomMetadata>& headers,
                         const SliceNamer& name) {
  DicomVolume volume;
  volume.order = order_slices(headers, name);
  for (std::size_t i = 0; i < headers.size(); ++i)
    for (const auto& warning : headers[i].warnings) volume.order.warnings.push_back(name(i) + ": " + warning);
  volume.first = slices.front().meta;
  volume.rows = volume.first.rows;
  volume.columns = volume.first.columns;
  const std::size_t plane = static_cast<std::size_t>(volume.rows) * static_cast<std::size_t>(volume.columns);
  const auto& duplicates = volume.order.duplicates;
  for (std::size_t index : volume.order.order) {
    if (std::find(duplicates.begin(), duplicates.end(), index) != duplicates.end()) continue;
    const auto& values = slices[index].values;
    volume.values.insert(volume.values.end(), values.begin(), values.begin() + static_cast<std::ptrdiff_t>(plane));
    ++volume.depth;
  }
  volume.spacing[0] = volume.order.spacing;
  if (volume.first.pixel_spacing) {
    volume.spacing[1] = (*volume.first.pixel_spacing)[0];
    volume.spacing[2] = (*volume.first.pixel_spacing)[1];
  }
  return volume;
}

}  // namespace

}  // namespace tessera::io
