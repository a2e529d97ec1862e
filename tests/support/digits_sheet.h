#pragma once
// A synthetic stand-in for OpenCV's 2000x1000 digits sheet, and a listing of a prepared dataset:
// shared by the PNG and DICOM digits tests (tests/data). Needs OpenCV.
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace tessera::testing {

// Cell g (= row * 100 + column) holds g in its first two pixels and a g-dependent ramp elsewhere,
// so every cell is distinct and identifiable.
inline std::uint8_t cell_pixel(int g, int y, int x) {
  if (y == 0 && x == 0) return static_cast<std::uint8_t>(g % 256);
  if (y == 0 && x == 1) return static_cast<std::uint8_t>(g / 256);
  return static_cast<std::uint8_t>((g * 7 + y * 20 + x) % 256);
}

// Writes the synthetic sheet as <dir>/digits.png and returns its path.
inline std::filesystem::path write_sheet(const std::filesystem::path& dir) {
  cv::Mat sheet(1000, 2000, CV_8UC1);
  for (int y = 0; y < 1000; ++y) {
    for (int x = 0; x < 2000; ++x) sheet.at<std::uint8_t>(y, x) = cell_pixel((y / 20) * 100 + x / 20, y % 20, x % 20);
  }
  const std::filesystem::path path = dir / "digits.png";
  EXPECT_TRUE(cv::imwrite(path.string(), sheet));
  return path;
}

// split -> digit -> sheet indices (from the file names, whatever their extension).
using DigitsListing = std::map<std::string, std::map<int, std::set<int>>>;

inline DigitsListing list_prepared(const std::filesystem::path& out) {
  DigitsListing listing;
  for (const char* split : {"train", "val", "test"}) {
    for (const auto& dir : std::filesystem::directory_iterator(out / split)) {
      const int digit = std::stoi(dir.path().filename().string());
      for (const auto& f : std::filesystem::directory_iterator(dir.path())) {
        listing[split][digit].insert(std::stoi(f.path().stem().string()));
      }
    }
  }
  return listing;
}

}  // namespace tessera::testing
