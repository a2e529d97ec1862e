#include "tessera/tasks/batch_timer.h"

#ifdef TESSERA_WITH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace tessera::tasks {

#ifdef TESSERA_WITH_CUDA
struct BatchTimer::Events {
  std::vector<std::unique_ptr<at::cuda::CUDAEvent>> starts, stops;
};
#else
struct BatchTimer::Events {};
#endif

BatchTimer::BatchTimer(torch::Device device) : events_(std::make_unique<Events>()) {
#ifdef TESSERA_WITH_CUDA
  cuda_ = device.is_cuda();
#else
  (void)device;
#endif
}

BatchTimer::~BatchTimer() = default;

const char* BatchTimer::clock() const { return cuda_ ? "gpu" : "wall"; }

void BatchTimer::start() {
#ifdef TESSERA_WITH_CUDA
  if (cuda_) {
    if (events_->starts.size() > events_->stops.size()) events_->starts.pop_back();      // unmatched start
    events_->starts.push_back(std::make_unique<at::cuda::CUDAEvent>(cudaEventDefault));  // timing on
    events_->starts.back()->record(c10::cuda::getCurrentCUDAStream());
    return;
  }
#endif
  wall_start_ = std::chrono::steady_clock::now();
}

void BatchTimer::stop() {
#ifdef TESSERA_WITH_CUDA
  if (cuda_) {
    events_->stops.push_back(std::make_unique<at::cuda::CUDAEvent>(cudaEventDefault));
    events_->stops.back()->record(c10::cuda::getCurrentCUDAStream());
    return;
  }
#endif
  wall_ms_.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start_).count());
}

std::vector<double> BatchTimer::milliseconds() {
#ifdef TESSERA_WITH_CUDA
  if (cuda_) {
    std::vector<double> ms;
    for (std::size_t i = 0; i < events_->stops.size(); ++i) {
      events_->stops[i]->synchronize();
      ms.push_back(events_->starts[i]->elapsed_time(*events_->stops[i]));
    }
    return ms;
  }
#endif
  return wall_ms_;
}

}  // namespace tessera::tasks
