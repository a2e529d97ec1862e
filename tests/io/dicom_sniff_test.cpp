// DICOM told by content when the name says nothing (issue 19, point 10): scanner exports such as
// IM0001 have no extension. The probe must never take a JPEG or text for DICOM, and never open a pipe.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/pydicom_files.h"
#include "support/temp_dir.h"
#include "tessera/io/dicom.h"

namespace tessera::io {
namespace {

namespace fs = std::filesystem;
using tessera::testing::TempDir;

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string le16(unsigned v) { return {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; }
std::string le32(unsigned v) { return le16(v & 0xFFFF) + le16(v >> 16); }

TEST(DicomSniff, PartTenPreambleOrAPlausibleFirstElement) {
  TempDir t;
  write_bytes(t / "IM0001", std::string(128, '\0') + "DICM" + le16(0x0002) + le16(0x0000) + "UL" + le16(4) + le32(0));
  // No preamble, implicit VR little endian: (0008,0005) SpecificCharacterSet, length 10.
  write_bytes(t / "implicit", le16(0x0008) + le16(0x0005) + le32(10) + "ISO_IR 100");
  // No preamble, explicit VR: (0002,0000) UL.
  write_bytes(t / "explicit", le16(0x0002) + le16(0x0000) + "UL" + le16(4) + le32(200));
  for (const char* name : {"IM0001", "implicit", "explicit"}) {
    EXPECT_TRUE(looks_like_dicom(t / name)) << name;
    EXPECT_TRUE(is_dicom_file(t / name)) << name;
  }
}

// Real files without a preamble, from pydicom's test set (Debian python3-pydicom), renamed.
TEST(DicomSniff, PydicomsFilesWithoutPreambleAreRecognised) {
  const fs::path files = tessera::testing::kPydicomTestFiles;
  if (!fs::exists(files / "no_meta.dcm")) GTEST_SKIP() << "needs Debian's python3-pydicom test files";
  TempDir t;
  for (const char* name : {"ExplVR_LitEndNoMeta.dcm", "ExplVR_BigEndNoMeta.dcm", "MR_small_implicit.dcm",
                           "CT_small.dcm"}) {
    fs::copy_file(files / name, t / "IM0001", fs::copy_options::overwrite_existing);
    EXPECT_TRUE(is_dicom_file(t / "IM0001")) << name;
  }
}

TEST(DicomSniff, OtherFilesAreNotDicom) {
  TempDir t;
  write_bytes(t / "photo", "\xFF\xD8\xFF\xE0" + std::string(200, 'x'));                // a JPEG without its name
  write_bytes(t / "notes", "group 0008 is where the study lives, said the README\n");  // text
  write_bytes(t / "other_group", le16(0x0010) + le16(0x0010) + le32(4) + "abcd");     // not 0002/0008 first
  write_bytes(t / "too_long", le16(0x0008) + le16(0x0016) + le32(5000) + "1.2.3");    // a length past the end
  write_bytes(t / "tiny", "DI");
  write_bytes(t / "empty", "");
  for (const char* name : {"photo", "notes", "other_group", "too_long", "tiny", "empty", "missing"}) {
    EXPECT_FALSE(looks_like_dicom(t / name)) << name;
  }
  // An image extension is never probed, and a .dcm name needs no probe.
  write_bytes(t / "scan.jpg", std::string(128, '\0') + "DICM");
  EXPECT_FALSE(is_dicom_file(t / "scan.jpg"));
  EXPECT_TRUE(is_dicom_file(t / "anything.DCM"));
  // A named pipe is not opened: the probe would block until a writer appeared.
  ASSERT_EQ(::mkfifo((t / "pipe").c_str(), 0600), 0);
  EXPECT_FALSE(looks_like_dicom(t / "pipe"));
  EXPECT_FALSE(is_dicom_file(t / "pipe"));
}

}  // namespace
}  // namespace tessera::io
