#pragma once
// Helpers shared by the models tests: a scratch directory and the venv's Python for references.
#include <ftw.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace tessera::models::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("tessera_models_" + tag + "_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter++));
    remove_tree(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { remove_tree(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  // Not std::filesystem::remove_all: libtorch.so exports its own copy of the std::filesystem
  // symbols, and that remove_all segfaults (null call) on a non-empty directory. POSIX nftw it is.
  static void remove_tree(const std::filesystem::path& root) {
    ::nftw(root.c_str(),
           [](const char* p, const struct stat*, int, struct FTW*) { return std::remove(p); },
           16, FTW_DEPTH | FTW_PHYS);
  }

  std::filesystem::path path_;
};

inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs the configured Python with `args` (already quoted); returns its exit status, -1 if none.
inline int run_python(const std::string& args) {
  const std::string python = TESSERA_PYTHON_EXE;
  if (python.empty()) return -1;
  const int rc = std::system((shell_quote(python) + " " + args).c_str());
  return (rc != -1 && WIFEXITED(rc)) ? WEXITSTATUS(rc) : -1;
}

// True when the configured Python can import `modules` ("safetensors, torchvision").
inline bool python_has(const std::string& modules) {
  return run_python("-c " + shell_quote("import " + modules) + " >/dev/null 2>&1") == 0;
}

inline std::string script(const std::string& name) {
  return shell_quote(std::string(TESSERA_SOURCE_DIR) + "/tests/models/" + name);
}

}  // namespace tessera::models::testing
