// Paths that are not regular files are refused by their type, before any reader opens them: a
// regression here hangs (opening a named pipe for reading blocks until a writer appears).
#include "tessera/io/file_kind.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <functional>

#include "support/temp_dir.h"
#include "tessera/core/error.h"
#include "tessera/io/dicom.h"
#include "tessera/io/image.h"

namespace tessera::io {
namespace {

namespace fs = std::filesystem;
using tessera::testing::TempDir;
using tessera::testing::write_text;

std::string user_error_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no UserError)";
}

TEST(FileKind, EachKindOfNonFileIsNamed) {
  TempDir t;
  write_text(t / "a.png", "x");
  fs::create_directory(t / "folder");
  ASSERT_EQ(::mkfifo((t / "pipe.png").c_str(), 0600), 0);
  fs::create_symlink(t / "loop_b", t / "loop_a.png");
  fs::create_symlink(t / "loop_a.png", t / "loop_b");
  fs::create_symlink(t / "gone.png", t / "dangling.png");
  fs::create_symlink(t / "a.png", t / "link.png");
  EXPECT_EQ(not_a_regular_file(t / "a.png"), "");
  EXPECT_EQ(not_a_regular_file(t / "link.png"), "");  // a symlink to a file is that file
  EXPECT_EQ(not_a_regular_file(t / "folder"), "is a directory");
  EXPECT_EQ(not_a_regular_file(t / "pipe.png"), "is a named pipe (FIFO)");
  EXPECT_EQ(not_a_regular_file(t / "loop_a.png"), "is a symlink loop");
  EXPECT_EQ(not_a_regular_file(t / "dangling.png"), "is a broken symlink");
  EXPECT_EQ(not_a_regular_file(t / "missing.png"), "no such file");
  EXPECT_EQ(not_a_regular_file("/dev/null"), "is a character device");
}

TEST(FileKind, DecodersRefuseAPipeInsteadOfWaitingForAWriter) {
  TempDir t;
  ASSERT_EQ(::mkfifo((t / "scan.jpg").c_str(), 0600), 0);
  EXPECT_EQ(user_error_of([&] { decode_image(t / "scan.jpg", 3); }),
            "cannot read " + (t / "scan.jpg").string() + ": is a named pipe (FIFO)");
  EXPECT_EQ(user_error_of([&] { decode_image("/dev/zero", 1); }), "cannot read /dev/zero: is a character device");
  if (!dicom_available()) GTEST_SKIP() << "built without DCMTK: the DICOM readers are not there to test";
  const fs::path named = t / "DOE^JANE.dcm";  // a path that may hold patient data is never echoed
  ASSERT_EQ(::mkfifo(named.c_str(), 0600), 0);
  EXPECT_EQ(user_error_of([&] { read_dicom_header(named); }), "cannot read DICOM file: is a named pipe (FIFO)");
  EXPECT_EQ(user_error_of([&] { decode_dicom(named); }), "cannot read DICOM file: is a named pipe (FIFO)");
}

}  // namespace
}  // namespace tessera::io
