// DICOM thumbnails: the run's window applied to the stored values (DICOM PS3.3 C.11.2.1.2.1,
// LINEAR, computed here from the formula), pixels only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "support/temp_dir.h"
#include "tessera/data/dataset.h"
#include "tessera/io/dicom_write.h"
#include "tessera/report/thumbnails.h"

namespace tessera::report {
namespace {

// The standard's LINEAR window to [0, 255].
double windowed(double x, double center, double width) {
  const double y = (x - (center - 0.5)) / (width - 1) + 0.5;
  return 255.0 * std::clamp(y, 0.0, 1.0);
}

TEST(Thumbnails, DicomUsesTheRunsWindowAndHoldsPixelsOnly) {
  tessera::testing::TempDir dir("thumbs-dicom");
  // The file name and folder look like patient data on purpose: none of it may reach the thumbnail.
  const auto folder = dir / "data/finding/DOE^JANE_1234567";
  std::filesystem::create_directories(folder);
  io::DicomWriteSpec spec;
  spec.rows = 48;
  spec.columns = 64;
  spec.bits_stored = 12;
  for (int y = 0; y < spec.rows; ++y)
    for (int x = 0; x < spec.columns; ++x) spec.words.push_back(static_cast<std::uint16_t>((x * 64 + y * 7) % 4096));
  spec.window = io::DicomWindow{3000, 1000};  // the file's window, overridden by the run's below
  io::write_dicom(folder / "DOE^JANE_19700101.dcm", spec);
  const auto dataset = data::load_image_folder(dir / "data");
  ASSERT_EQ(dataset.samples.size(), 1u);

  data::LoaderOptions options;
  options.channels = 1;
  options.preprocess.mean = {0.5f};
  options.preprocess.std = {0.25f};
  options.window = {ops::WindowChoice::Mode::fixed, 2048.0f, 2000.0f};
  nlohmann::json report = {{"mistakes", {{{"index", 0}, {"reference", data::dicom_sample_reference(dataset, 0)}}}}};
  ASSERT_EQ(add_thumbnails(report, dataset, options), 1u);
  const std::string uri = report["mistakes"][0]["thumbnail"];
  for (const char* name : {"DOE", "JANE", "1234567", "19700101", "finding"}) {
    EXPECT_EQ(uri.find(name), std::string::npos) << name;
  }

  // Decode the BMP: a 54-byte header, then bottom-up B, G, R rows padded to 4 bytes: nothing else.
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  int bits = 0;
  std::uint32_t buffer = 0;
  for (const char c : uri.substr(uri.find(',') + 1)) {
    if (c == '=') break;
    buffer = buffer << 6 | static_cast<std::uint32_t>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) bytes += static_cast<char>((buffer >> (bits -= 8)) & 0xFF);
  }
  const int w = spec.columns, h = spec.rows;  // 64 x 48 fits 96: not shrunk
  const std::size_t row_bytes = (static_cast<std::size_t>(w) * 3 + 3) & ~std::size_t{3};
  ASSERT_EQ(bytes.size(), 54 + row_bytes * h) << "header and pixels only";
  int worst = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const auto at = 54 + static_cast<std::size_t>(h - 1 - y) * row_bytes + static_cast<std::size_t>(x) * 3;
      const int got = static_cast<std::uint8_t>(bytes[at]);
      EXPECT_EQ(got, static_cast<std::uint8_t>(bytes[at + 1]));  // grey: B = G = R
      const double want = windowed(spec.words[static_cast<std::size_t>(y * w + x)], 2048, 2000);
      worst = std::max(worst, static_cast<int>(std::ceil(std::abs(got - want) - 0.5)));
    }
  }
  EXPECT_LE(worst, 1) << "within 1 LSB of the window formula";
}

}  // namespace
}  // namespace tessera::report
