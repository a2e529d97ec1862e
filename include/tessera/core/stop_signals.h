#pragma once
// SIGINT (Ctrl-C) and SIGTERM (kill, Kubernetes, Slurm, torchrun stopping its workers) during a
// long run: the handler only records the signal; the loop notices it at its next safe point
// (after an optimizer step), saves its state and ends with Interrupted. A second SIGINT while the
// first is being handled quits at once, for a user who cannot wait for the checkpoint.
#include <csignal>
#include <string>

#include "tessera/core/error.h"

namespace tessera {

// The run stopped on request with its state saved. The CLI prints the message (how to resume)
// and exits with 128 + signal, the shell's convention for a process ended by that signal.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, const std::string& message) : std::runtime_error(message), signal_(signal) {}
  int signal() const { return signal_; }
  int exit_code() const { return 128 + signal_; }

 private:
  int signal_;
};

// Installs the handlers for its lifetime and restores the previous ones after (one at a time).
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal received since construction (SIGINT or SIGTERM), 0 if none.
  int received() const;
  static const char* name(int signal);  // "SIGINT", "SIGTERM"

 private:
  struct sigaction previous_int_{}, previous_term_{};
};

}  // namespace tessera
