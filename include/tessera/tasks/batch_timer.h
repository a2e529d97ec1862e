#pragma once
// Per-batch latency without stalling the GPU: on CUDA a pair of timing events per batch on the
// current stream, read back only at the end (synchronising after each batch would stop the next
// batch's upload from overlapping this one's compute); on the CPU the wall clock.
#include <torch/types.h>

#include <chrono>
#include <memory>
#include <vector>

namespace tessera::tasks {

class BatchTimer {
 public:
  explicit BatchTimer(torch::Device device);
  ~BatchTimer();
  BatchTimer(const BatchTimer&) = delete;
  BatchTimer& operator=(const BatchTimer&) = delete;

  void start();  // before a batch's work is queued
  void stop();   // after it; a start without a stop (end of data) is dropped
  // Every batch's time in milliseconds, in order (waits for the device).
  std::vector<double> milliseconds();
  // What the numbers measure, for reports: "gpu" (stream time) or "wall".
  const char* clock() const;

 private:
  struct Events;
  bool cuda_ = false;
  std::unique_ptr<Events> events_;
  std::chrono::steady_clock::time_point wall_start_;
  std::vector<double> wall_ms_;
};

}  // namespace tessera::tasks
