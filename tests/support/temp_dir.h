#pragma once
// A fresh folder under the system temp directory for one test, removed afterwards. Shared by
// every module's tests (tests/ is on their include path).
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tessera/core/remove_tree.h"

namespace tessera::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "") {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "tessera-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    if (info) name += std::string("-") + info->name();
    path_ = std::filesystem::temp_directory_path() / name;
    tessera::remove_tree(path_);
    std::filesystem::create_directories(path_);
  }
  // TESSERA_KEEP_TEST_DIRS=1 keeps the folder, to look at what a failing test wrote.
  ~TempDir() {
    if (const char* keep = std::getenv("TESSERA_KEEP_TEST_DIRS"); keep && *keep && std::string(keep) != "0") return;
    std::error_code ec;
    tessera::remove_tree(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

inline void write_text(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

}  // namespace tessera::testing
