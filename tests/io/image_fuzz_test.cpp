// Regression tests for what fuzz/image_fuzz.cpp found (inputs in tests/fixtures/fuzz/image).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/io/image.h"

namespace tessera::io {
namespace {
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(TESSERA_TEST_FIXTURES_DIR) / "fuzz" / "image";

void expect_too_large(const std::function<void()>& decode) {
  try {
    decode();
    FAIL() << "decoded";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("image too large"), std::string::npos) << e.what();
  }
}

// A PNG header claiming 4294967295 x 4294967295 pixels: refuse_oversized_png multiplied the two
// sides as signed 64-bit integers, which overflows (UBSan: signed integer overflow); the
// wrapped, negative product then let the header through to the decoder.
TEST(ImageFuzzRegression, PngWithTwoHugeSidesIsTooLarge) {
  const fs::path file = kFixtures / "png_ihdr_4294967295_squared.png";
  const std::string bytes = read_file(file);
  const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  for (const int channels : {0, 1, 3}) {
    expect_too_large([&] { (void)decode_image_bytes(data, channels, "fuzz input"); });
    expect_too_large([&] { (void)decode_image(file, channels); });
  }
}

}  // namespace
}  // namespace tessera::io
