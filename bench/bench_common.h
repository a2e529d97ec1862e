#pragma once
// Tiny helpers shared by the benchmark executables: flag parsing without CLI11 and a clock.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace bench {

inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// "--name value" pairs; anything not starting with "--" is a positional argument.
struct Args {
  int argc;
  char** argv;
  std::string positional(int which, const std::string& fallback) const {
    int seen = 0;
    for (int i = 1; i < argc; ++i) {
      if (std::string_view(argv[i]).starts_with("--")) { ++i; continue; }
      if (seen++ == which) return argv[i];
    }
    return fallback;
  }
  std::string get(std::string_view name, const std::string& fallback) const {
    for (int i = 1; i + 1 < argc; ++i) {
      if (std::string_view(argv[i]).starts_with("--") && name == std::string_view(argv[i]).substr(2)) return argv[i + 1];
    }
    return fallback;
  }
  // "--name" alone, or "--name 1|0|true|false|on|off"; absent = fallback.
  bool flag(std::string_view name, bool fallback) const {
    for (int i = 1; i < argc; ++i) {
      if (!std::string_view(argv[i]).starts_with("--") || name != std::string_view(argv[i]).substr(2)) continue;
      if (i + 1 < argc) {
        const std::string_view v = argv[i + 1];
        if (v == "0" || v == "false" || v == "off") return false;
      }
      return true;
    }
    return fallback;
  }
  long get_int(std::string_view name, long fallback) const {
    const std::string v = get(name, "");
    return v.empty() ? fallback : std::strtol(v.c_str(), nullptr, 10);
  }
};

}  // namespace bench
