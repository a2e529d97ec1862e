#pragma once
// OpenCV's digits sheet as a CT-like DICOM dataset: the medical demo (configs/dicom_digits.yaml).
// Same cells and same split as prepare_digits for a given seed, but every cell is a DICOM file
// encoded the way scanners write them, so training exercises the whole medical path (rescale,
// sign, bits stored, MONOCHROME1, the lossless codecs, windowing) and can be compared with the
// PNG digits: after the window the network sees exactly the PNG pixels / 255.
//
// Encoding of grey level g (0..255) of a cell:
//   HU = -1024 + 8 g   (0 is air, 255 is dense bone; exact in float)
//   stored = (HU - intercept) / slope, intercept -1024, signed 16-bit words (PixelRepresentation 1)
//   window centre -3.5, width 2041 in every file: the LINEAR function maps -1024 -> 0, 1016 -> 1,
//   i.e. HU -> g / 255 exactly (centre - 0.5 = -4 is the middle of the HU range, width - 1 = 2040)
// Varying per file, drawn from (seed, sheet index) by dicom_digit_encoding:
//   RescaleSlope 1 (about 75%), 0.5 or 2 (12.5% each); HU is a multiple of 8 so stored values
//     stay integers
//   BitsStored 16, or 12 on about half of the files whose values fit (slope 1 or 2)
//   MONOCHROME1 on about 25%: the picture is stored mirrored about the window's middle
//     (HU' = -8 - HU), so windowing then the MONOCHROME1 inversion gives back g / 255
//   RLE, JPEG lossless (SV1) and JPEG-LS lossless about 10% each, the rest Explicit VR Little Endian
// Modality CT, PixelSpacing 0.5\0.5, synthetic identity (io::write_dicom).
//
// Series demo, <out>/series/series_NN/ (NN = 00..19): 8 test-split cells of digit NN % 10 as an
// axial stack (ImagePositionPatient z = -100 + 2.5 k mm, orientation 1\0\0\0\1\0), files named
// in a scrambled seeded order so that only the geometry gives the slice order. series_03 misses
// its middle slice (a 5 mm gap) and series_07 holds one slice twice (a duplicate position), so
// `tessera infer` shows both warnings. <out>/series/labels.csv: series,label.
#include <cstdint>
#include <filesystem>

#include "tessera/data/digits.h"
#include "tessera/io/dicom_write.h"

namespace tessera::data {

inline constexpr double kDicomDigitsIntercept = -1024.0;
inline constexpr double kDicomDigitsWindowCenter = -3.5;
inline constexpr double kDicomDigitsWindowWidth = 2041.0;
inline constexpr int kDicomDigitSeries = 20;
inline constexpr int kDicomDigitSlices = 8;
inline constexpr double kDicomDigitSpacing = 2.5;  // mm
inline constexpr double kDicomDigitFirstZ = -100.0;
inline constexpr int kDicomDigitGapSeries = 3;
inline constexpr int kDicomDigitDuplicateSeries = 7;

// Hounsfield units of grey level g (0..255).
inline constexpr double dicom_digits_hu(int grey) { return -1024.0 + 8.0 * grey; }

struct DicomDigitEncoding {
  double slope = 1.0;   // RescaleSlope: 1, 0.5 or 2
  int bits_stored = 16; // 16 or 12
  bool monochrome1 = false;
  io::DicomCompression compression = io::DicomCompression::none;
};

// The encoding of the cell at `sheet_index` (row * 100 + column), a pure function of its arguments.
DicomDigitEncoding dicom_digit_encoding(std::uint64_t seed, int sheet_index);

// As prepare_digits (same checks, split, atomic folder swap), writing <NNNN>.dcm files; SOURCE.txt
// also lists the encoding and how many files of each kind were written. Throws UserError when
// the build has no DICOM support (TESSERA_WITH_DCMTK off).
PreparedCounts prepare_dicom_digits(const std::filesystem::path& sheet, const std::filesystem::path& out,
                                    std::uint64_t seed = 0, DigitsSplit split = {});

}  // namespace tessera::data
