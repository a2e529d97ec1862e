#pragma once
// Progress for long loops: a redrawn bar with rate and ETA when stderr is a terminal, plain
// periodic log lines otherwise (CI logs, files), so nobody watches a silent process.
#include <chrono>
#include <cstdint>
#include <string>

namespace tessera {

class Progress {
 public:
  // `total` units of work (0 = unknown); `unit` names them ("img", "batch"); `log_every` is the
  // number of units between plain lines when not on a terminal.
  Progress(std::string label, std::int64_t total, std::string unit, std::int64_t log_every);
  ~Progress();

  // Marks `done` units finished (cumulative) and shows `status` (e.g. "loss 0.123").
  void update(std::int64_t done, const std::string& status = "");
  // True when update(done) would draw or log now: callers compute an expensive status (one that
  // waits for the GPU) only then.
  bool due(std::int64_t done) const;
  // Ends the bar (a newline on a terminal).
  void finish(const std::string& status = "");

  double seconds() const;
  static bool stderr_is_terminal();

 private:
  std::string line(std::int64_t done, const std::string& status) const;

  std::string label_, unit_;
  std::int64_t total_, log_every_, last_logged_ = 0;
  bool terminal_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace tessera
