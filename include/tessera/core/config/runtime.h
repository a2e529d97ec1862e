#pragma once
#include <cstdint>
#include <regex>
#include <string>

#include "tessera/core/config/reader.h"

namespace tessera::config {

// Where and how a run executes.
struct RuntimeConfig {
  std::string device = "auto";      // auto | cpu | cuda | cuda:N (auto picks CUDA when present)
  std::uint64_t seed = 0;           // same seed and threads on the CPU = identical run
  int threads = 0;                  // torch intra-op threads; 0 = every core
  std::string log_level = "info";   // trace | debug | info | warn | error | off
  std::string output_dir = "models";  // run directories are created under it
  std::string name;                 // run name; empty = the config file's stem

  template <class V>
  void visit(V& v) {
    v.field("device", device);
    v.field("seed", seed);
    v.field("threads", threads);
    v.field("log_level", log_level);
    v.field("output_dir", output_dir);
    v.field("name", name);
  }
  void validate(const SectionChecker& c) const {
    static const std::regex device_pattern("auto|cpu|cuda|cuda:[0-9]+");
    if (!std::regex_match(device, device_pattern)) {
      c.fail("device", "unknown device '" + device + "' (expected auto, cpu, cuda or cuda:N)");
    }
    c.non_negative("threads", threads);
    c.one_of("log_level", log_level, {"trace", "debug", "info", "warn", "error", "off"});
    if (name.find('/') != std::string::npos) c.fail("name", "must not contain '/'");
  }
};

}  // namespace tessera::config
