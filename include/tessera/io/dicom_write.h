#pragma once
// Writing synthetic monochrome DICOM files the way a scanner would (DCMTK underneath; its types
// never leak out of this header). Used to make DICOM test sets and demos (prepare dicom-digits)
// from ordinary images, so that every decode path, codec and intensity setting can be exercised
// without real patient data. Built when TESSERA_WITH_DCMTK is on; otherwise write_dicom throws
// UserError saying the build lacks DICOM support.
//
// Identity: always synthetic. PatientName "Tessera^Synthetic", PatientID "SYNTHETIC", fresh study,
// series and instance UIDs under DCMTK's UID root, and no dates or times at all (the type 2
// attributes that would hold them are present and empty). Nothing of the caller's but the pixel
// module, rescale, window and geometry below goes into the file.
//
// SOP class: CT Image Storage for single-frame CT, Multi-frame Grayscale Word Secondary Capture
// for more than one frame (the CT Image IOD has no NumberOfFrames), Secondary Capture otherwise.
//
// Compression runs in-process with DCMTK's own lossless encoders, the ones the dcmcrle,
// dcmcjpeg --encode-lossless-sv1 and dcmcjpls --encode-lossless tools are built on. Every
// combination below round-trips exactly through io::decode_dicom (tests/io/dicom_write_dcmtk_test).
//
// Thread safety: the encoders are registered once (std::call_once); calls on different paths may
// run concurrently.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tessera/io/dicom.h"

namespace tessera::io {

enum class DicomCompression : std::uint8_t {
  none,              // Explicit VR Little Endian
  rle,               // RLE Lossless
  jpeg_lossless,     // JPEG Lossless, Non-Hierarchical, First-Order Prediction (process 14, SV1)
  jpeg_ls_lossless,  // JPEG-LS Lossless
};

// "none", "rle", "jpeg_lossless", "jpeg_ls_lossless" (inline: builds without DCMTK name them too).
inline const char* compression_name(DicomCompression compression) {
  switch (compression) {
    case DicomCompression::none: return "none";
    case DicomCompression::rle: return "rle";
    case DicomCompression::jpeg_lossless: return "jpeg_lossless";
    case DicomCompression::jpeg_ls_lossless: return "jpeg_ls_lossless";
  }
  return "?";
}

struct DicomRescale {
  double slope = 1.0, intercept = 0.0;
};

struct DicomWindow {
  double center = 0.0, width = 1.0;  // VOI LUT function LINEAR (width >= 1)
};

// One image of BitsAllocated 16. `words` are the stored values exactly as decode_dicom_stored
// returns them: frames x rows x columns, row-major, two's complement when is_signed. Each value
// must fit in bits_stored bits (for signed ones: -2^(b-1) .. 2^(b-1)-1, sign-extended to 16 bits).
struct DicomWriteSpec {
  int rows = 0, columns = 0, frames = 1;
  std::vector<std::uint16_t> words;
  int bits_stored = 16;  // 1..16; HighBit = bits_stored - 1
  bool is_signed = false;
  Photometric photometric = Photometric::monochrome2;  // MONOCHROME1 or MONOCHROME2
  std::optional<DicomRescale> rescale;  // written as given; CT gets 1 / 0 when absent (type 1 there)
  std::optional<DicomWindow> window;
  std::string modality = "OT";          // a defined term: "OT", "CT", "MR", ...
  std::optional<std::array<double, 2>> pixel_spacing;      // row, column spacing in mm
  std::optional<std::array<double, 3>> image_position;     // ImagePositionPatient
  std::optional<std::array<double, 6>> image_orientation;  // ImageOrientationPatient
  std::optional<double> slice_thickness;
  DicomCompression compression = DicomCompression::none;
};

// Writes `spec` to `path` atomically (a temporary file beside it, then a rename): a failure never
// leaves a partial file under `path`. Throws UserError for an invalid spec (one line naming the
// field) or when the file cannot be written or encoded. Messages do not carry the path: the
// caller names the file.
void write_dicom(const std::filesystem::path& path, const DicomWriteSpec& spec);

}  // namespace tessera::io
