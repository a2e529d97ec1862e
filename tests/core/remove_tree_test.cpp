// remove_tree against what std::filesystem::remove_all promises: everything under the folder goes,
// links are removed and never followed, a missing path is not an error, failures say so.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "tessera/core/remove_tree.h"

namespace fs = std::filesystem;

namespace {

fs::path fresh(const std::string& name) {
  const fs::path path = fs::temp_directory_path() / ("tessera-remove-tree-" + std::to_string(::getpid()) + "-" + name);
  std::error_code ec;
  tessera::remove_tree(path, ec);
  fs::create_directories(path);
  return path;
}

TEST(RemoveTree, RemovesANestedFolderAndCountsEntries) {
  const fs::path root = fresh("nested");
  fs::create_directories(root / "a" / "b" / "c");
  std::ofstream(root / "a" / "one.txt") << "1";
  std::ofstream(root / "a" / "b" / "two.txt") << "2";
  std::ofstream(root / "a" / "b" / "c" / "three.txt") << "3";
  std::error_code ec;
  EXPECT_EQ(tessera::remove_tree(root, ec), 7u);  // root, a, b, c and three files
  EXPECT_FALSE(ec);
  EXPECT_FALSE(fs::exists(root));
}

TEST(RemoveTree, MissingPathIsNotAnError) {
  std::error_code ec;
  EXPECT_EQ(tessera::remove_tree(fs::temp_directory_path() / "tessera-remove-tree-never-made", ec), 0u);
  EXPECT_FALSE(ec);
  EXPECT_EQ(tessera::remove_tree(fs::temp_directory_path() / "tessera-remove-tree-never-made"), 0u);
}

TEST(RemoveTree, RemovesAPlainFile) {
  const fs::path root = fresh("file");
  std::ofstream(root / "f.bin") << "x";
  EXPECT_EQ(tessera::remove_tree(root / "f.bin"), 1u);
  EXPECT_FALSE(fs::exists(root / "f.bin"));
  tessera::remove_tree(root);
}

TEST(RemoveTree, RemovesLinksWithoutFollowingThem) {
  const fs::path root = fresh("links"), outside = fresh("outside");
  std::ofstream(outside / "keep.txt") << "keep";
  fs::create_directories(root / "sub");
  fs::create_directory_symlink(outside, root / "sub" / "to_outside");
  fs::create_symlink(outside / "keep.txt", root / "file_link");
  tessera::remove_tree(root);
  EXPECT_FALSE(fs::exists(root));
  EXPECT_TRUE(fs::exists(outside / "keep.txt"));  // what the links pointed at is untouched
  tessera::remove_tree(outside);
}

TEST(RemoveTree, AFailureSetsTheErrorAndTheThrowingFormNamesThePath) {
  // A path through a plain file cannot be looked at (ENOTDIR), even by root.
  const fs::path root = fresh("failure");
  std::ofstream(root / "plain") << "x";
  const fs::path impossible = root / "plain" / "child";
  std::error_code ec;
  EXPECT_EQ(tessera::remove_tree(impossible, ec), static_cast<std::uintmax_t>(-1));
  EXPECT_EQ(ec, std::errc::not_a_directory);
  try {
    tessera::remove_tree(impossible);
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find(impossible.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::exists(root / "plain"));
  tessera::remove_tree(root);
}

// The reason remove_tree exists only holds if nothing calls std::filesystem::remove_all: a new
// call would crash on the GPU machine and pass everywhere else.
TEST(RemoveTree, NoSourceFileCallsStdRemoveAll) {
  const std::string call = std::string("remove_") + "all(";  // split, so this file does not match itself
  std::vector<std::string> offenders;
  for (const char* folder : {"src", "include", "tools", "tests", "bench"}) {
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(TESSERA_SOURCE_DIR) / folder)) {
      const auto extension = entry.path().extension();
      if (!entry.is_regular_file() || (extension != ".cpp" && extension != ".h" && extension != ".cu")) continue;
      std::ifstream in(entry.path());
      std::string line;
      for (int number = 1; std::getline(in, line); ++number) {
        const auto at = line.find(call);
        if (at != std::string::npos && line.rfind("//", at) == std::string::npos) {
          offenders.push_back(entry.path().string() + ":" + std::to_string(number));
        }
      }
    }
  }
  EXPECT_TRUE(offenders.empty()) << "use tessera::remove_tree (core/remove_tree.h): " << ::testing::PrintToString(offenders);
}

}  // namespace
