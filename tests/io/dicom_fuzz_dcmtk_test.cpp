// Regression tests for what fuzz/dicom_fuzz.cpp found (inputs in tests/fixtures/fuzz/dicom).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tessera/core/error.h"
#include "tessera/io/dicom.h"

namespace tessera::io {
namespace {
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(TESSERA_TEST_FIXTURES_DIR) / "fuzz" / "dicom";

// pydicom's rtdose_rle_1frame.dcm (10x10, 32-bit, RLE, 4 segments) with 4 bytes changed by the
// fuzzer, among them the fourth segment offset in the RLE header: 0x400de, far past the 332-byte
// fragment. DCMTK's
// RLE decoder decodes at that offset without checking it (SEGV under ASan); decode_dicom now
// checks every frame's RLE header first and reports a DecodeError.
TEST(DicomFuzzRegression, RleSegmentOffsetOutsideTheFragmentIsADecodeError) {
  try {
    (void)decode_dicom(kFixtures / "rle_segment_offset_outside_fragment.dcm");
    FAIL() << "decoded";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt RLE data"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera::io
