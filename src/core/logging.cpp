// The only file that includes spdlog (see logging.h for why). Built without torch's include path.
#include "tessera/core/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "tessera/core/error.h"

namespace tessera::log {
namespace {

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> make_logger(spdlog::level::level_enum level) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_pattern("%^[%H:%M:%S %l]%$ %v");
  console->set_level(level);
  auto logger = std::make_shared<spdlog::logger>("tessera", console);
  logger->set_level(spdlog::level::trace);  // sinks filter; the file keeps debug lines too
  logger->flush_on(spdlog::level::info);    // nothing lost when a run is killed
  return logger;
}

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> instance = make_logger(spdlog::level::info);
  return instance;
}

}  // namespace

void init(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  // from_str maps unknown names to "off"; only accept "off" when it was asked for.
  if (parsed == spdlog::level::off && level != "off") {
    throw UserError("unknown log level '" + level + "' (expected trace, debug, info, warn, error or off)");
  }
  logger() = make_logger(parsed);
}

void add_file(const std::filesystem::path& path) {
  remove_file();
  auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string(), /*truncate=*/false);
  file->set_pattern("[%Y-%m-%d %H:%M:%S.%e %l] %v");
  file->set_level(spdlog::level::debug);
  logger()->sinks().push_back(file);
}

void remove_file() {
  auto& sinks = logger()->sinks();
  std::erase_if(sinks, [](const auto& sink) {
    return std::dynamic_pointer_cast<spdlog::sinks::basic_file_sink_mt>(sink) != nullptr;
  });
}

bool enabled(Level level) {
  const auto wanted = to_spdlog(level);
  for (const auto& sink : logger()->sinks()) {
    if (sink->should_log(wanted)) return true;
  }
  return false;
}

void write(Level level, std::string_view message) {
  logger()->log(to_spdlog(level), "{}", message);
}

}  // namespace tessera::log
