#include "tessera/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "tessera/core/logging.h"

namespace tessera {
namespace {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (total >= 3600) {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  }
  return buffer;
}

}  // namespace

Progress::Progress(std::string label, std::int64_t total, std::string unit, std::int64_t log_every)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      log_every_(std::max<std::int64_t>(1, log_every)),
      // A quiet process (log level above info: another rank of a group) draws no bar either.
      terminal_(stderr_is_terminal() && log::enabled(log::Level::info)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (!finished_ && terminal_) std::fputc('\n', stderr);
}

bool Progress::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string Progress::line(std::int64_t done, const std::string& status) const {
  const double elapsed = seconds();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  std::ostringstream out;
  out << label_ << " ";
  if (total_ > 0) {
    constexpr int width = 24;
    const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    const int filled = static_cast<int>(fraction * width);
    out << "[" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << done << "/" << total_;
  } else {
    out << done;
  }
  out.setf(std::ios::fixed);
  out.precision(1);
  out << " " << rate << " " << unit_ << "/s";
  if (total_ > 0 && rate > 0) {
    out << " eta " << format_duration(static_cast<double>(total_ - done) / rate);
  }
  out << " elapsed " << format_duration(elapsed);
  if (!status.empty()) out << " | " << status;
  return out.str();
}

bool Progress::due(std::int64_t done) const {
  if (terminal_) {
    // Don't flood the terminal: at most ten redraws a second, and the last one always.
    return std::chrono::steady_clock::now() - last_draw_ >= std::chrono::milliseconds(100) || done >= total_;
  }
  return done - last_logged_ >= log_every_;
}

void Progress::update(std::int64_t done, const std::string& status) {
  if (!due(done)) return;
  if (terminal_) {
    last_draw_ = std::chrono::steady_clock::now();
    std::fprintf(stderr, "\r\033[K%s", line(done, status).c_str());
    std::fflush(stderr);
  } else {
    last_logged_ = done;
    log::info(line(done, status));
  }
}

void Progress::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  log::debug(line(total_ > 0 ? total_ : last_logged_, status));
}

}  // namespace tessera
