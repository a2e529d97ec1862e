#include "tessera/core/stop_signals.h"

#include <atomic>
#include <stdexcept>

namespace tessera {
namespace {

// Lock-free atomics are async-signal-safe; the handler touches nothing else.
std::atomic<int> g_received{0};
std::atomic<bool> g_installed{false};

void on_stop_signal(int signal) {
  int expected = 0;
  if (!g_received.compare_exchange_strong(expected, signal) && signal == SIGINT) {
    // A second Ctrl-C: the user will not wait for the checkpoint. Default action, now.
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
}

}  // namespace

StopSignals::StopSignals() {
  if (g_installed.exchange(true)) throw std::logic_error("StopSignals: already installed");
  g_received = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // reads and waits in progress carry on; the loop checks the flag
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
  g_installed = false;
}

int StopSignals::received() const { return g_received.load(); }

const char* StopSignals::name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

}  // namespace tessera
