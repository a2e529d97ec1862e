#pragma once
#include <filesystem>
#include <string>

namespace tessera::io {

struct DicomMetadata;

// A few lines on an image file (format, size, channels) or a DICOM file (the allowlisted header
// attributes only). UserError/DecodeError when unreadable.
std::string describe_image_file(const std::filesystem::path& path);

// The DICOM part of describe_image_file, from an already read header.
std::string describe_dicom_header(const DicomMetadata& meta);

// A folder of DICOM slices as the volume load_dicom_volume makes of it: slices, size, spacing,
// value range and the ordering warnings (slice indices and millimetres only).
std::string describe_dicom_series(const std::filesystem::path& folder);

}  // namespace tessera::io
