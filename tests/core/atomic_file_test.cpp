// Atomic writes leave either the old file or the new one; what a killed write leaves behind (its
// temporary file) is recognised and removed on resume, and nothing else is touched.
#include "tessera/core/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace tessera {
namespace {
namespace fs = std::filesystem;

TEST(AtomicFile, ReplacesTheFileAndLeavesNoTemporary) {
  testing::TempDir dir;
  write_file_atomic(dir / "a.json", "old");
  write_file_atomic(dir / "a.json", "new");
  EXPECT_EQ(read_file(dir / "a.json"), "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(AtomicFile, RemovesOnlyWhatKilledWritesLeft) {
  testing::TempDir dir;
  for (const char* name : {".checkpoint.pt.tmp123456", ".last.safetensors.tmp7", "checkpoint.pt", ".hidden",
                           ".notes.tmp", "x.tmp42", ".a.tmp12b"}) {
    std::ofstream(dir / name) << "x";
  }
  fs::create_directory(dir / ".folder.tmp5");  // a folder, not a leftover write
  EXPECT_EQ(remove_stale_temporaries(dir.path()), 2u);
  for (const char* kept : {"checkpoint.pt", ".hidden", ".notes.tmp", "x.tmp42", ".a.tmp12b", ".folder.tmp5"}) {
    EXPECT_TRUE(fs::exists(dir / kept)) << kept;
  }
  EXPECT_FALSE(fs::exists(dir / ".checkpoint.pt.tmp123456"));
  EXPECT_EQ(remove_stale_temporaries(dir / "missing"), 0u);  // no folder: nothing to do, no error
}

}  // namespace
}  // namespace tessera
