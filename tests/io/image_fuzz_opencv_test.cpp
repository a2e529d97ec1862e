// Regression tests for what fuzz/image_fuzz.cpp found in the OpenCV path (inputs in
// tests/fixtures/fuzz/image).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tessera/core/atomic_file.h"
#include "tessera/core/error.h"
#include "tessera/io/image.h"

namespace tessera::io {
namespace {
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(TESSERA_TEST_FIXTURES_DIR) / "fuzz" / "image";

// 128 zero bytes, "DICM", 3 bytes: OpenCV's imdecode/imread give data with "DICM" at byte 128 to
// their GDCM decoder, and Debian's GDCM (built with assertions) aborts the process on this one
// (gdcm::Reader::InternalReadCommon: Assertion `is.good()' failed). decode_image now refuses
// DICOM data before OpenCV sees it; DICOM files are read by io/dicom.h.
TEST(ImageFuzzRegression, DicomSignatureIsRefusedBeforeOpenCv) {
  const fs::path file = kFixtures / "dicm_preamble_truncated.png";
  const std::string bytes = read_file(file);
  const std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  for (const int channels : {0, 1, 3}) {
    EXPECT_THROW((void)decode_image_bytes(data, channels, "fuzz input"), DecodeError);
    try {
      (void)decode_image(file, channels);
      FAIL() << "decoded";
    } catch (const DecodeError& e) {
      EXPECT_NE(std::string(e.what()).find("DICOM data"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tessera::io
