// StopSignals records SIGINT/SIGTERM instead of dying, and restores the previous handlers.
#include "tessera/core/stop_signals.h"

#include <gtest/gtest.h>

#include <csignal>

namespace tessera {
namespace {

volatile std::sig_atomic_t g_previous_handler_ran = 0;
void previous_handler(int) { g_previous_handler_ran = 1; }

TEST(StopSignals, RecordsTheSignalInsteadOfDying) {
  const StopSignals stop;
  EXPECT_EQ(stop.received(), 0);
  std::raise(SIGTERM);
  EXPECT_EQ(stop.received(), SIGTERM);
  std::raise(SIGTERM);  // a second SIGTERM changes nothing (only a second SIGINT forces the exit)
  EXPECT_EQ(stop.received(), SIGTERM);
  EXPECT_STREQ(StopSignals::name(SIGTERM), "SIGTERM");
  EXPECT_STREQ(StopSignals::name(SIGINT), "SIGINT");
}

TEST(StopSignals, RestoresThePreviousHandlers) {
  const auto old = std::signal(SIGINT, previous_handler);
  {
    const StopSignals stop;
    std::raise(SIGINT);
    EXPECT_EQ(stop.received(), SIGINT);
    EXPECT_EQ(g_previous_handler_ran, 0);
    EXPECT_THROW(StopSignals(), std::logic_error);  // one at a time
  }
  std::raise(SIGINT);
  EXPECT_EQ(g_previous_handler_ran, 1);
  std::signal(SIGINT, old);
}

TEST(StopSignals, InterruptedCarriesTheShellExitCode) {
  const Interrupted stopped(SIGINT, "stopped");
  EXPECT_EQ(stopped.exit_code(), 130);
  EXPECT_EQ(Interrupted(SIGTERM, "x").exit_code(), 143);
}

}  // namespace
}  // namespace tessera
