#pragma once
// Logging for every module: the console (stderr) and, once a run directory exists, a log file in
// it. The engine is spdlog, but spdlog's headers never appear outside src/core/logging.cpp:
// LibTorch ships its own fmt 12 on the include path, which breaks Debian's spdlog (built on
// fmt 9) in any translation unit that also sees torch. So callers use this facade:
//
//   tessera::log::info("epoch ", epoch, " loss ", loss);   // arguments are streamed with <<
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>

namespace tessera::log {

enum class Level { trace, debug, info, warn, error, off };

// Parses "trace|debug|info|warn|error|off" (throws UserError naming the value otherwise) and
// installs the console sink at that level.
void init(const std::string& level);

// Adds (or replaces) a file sink; every later line is also written to `path`.
void add_file(const std::filesystem::path& path);
void remove_file();

bool enabled(Level level);
void write(Level level, std::string_view message);

template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

template <class... Parts> void trace(const Parts&... p) { if (enabled(Level::trace)) write(Level::trace, concat(p...)); }
template <class... Parts> void debug(const Parts&... p) { if (enabled(Level::debug)) write(Level::debug, concat(p...)); }
template <class... Parts> void info(const Parts&... p) { if (enabled(Level::info)) write(Level::info, concat(p...)); }
template <class... Parts> void warn(const Parts&... p) { if (enabled(Level::warn)) write(Level::warn, concat(p...)); }
template <class... Parts> void error(const Parts&... p) { if (enabled(Level::error)) write(Level::error, concat(p...)); }

}  // namespace tessera::log
