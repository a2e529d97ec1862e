#pragma once
// Helpers shared by the models tests: the venv's Python, which produces the references.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/temp_dir.h"

namespace tessera::models::testing {

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
