#pragma once
// A fixed set of threads running posted tasks in order of arrival: the decode workers of a served
// classifier, which turn request bodies into images while its executor runs the previous batch
// (so on a GPU the forward pass does not wait for the CPU's decoding, and decoding uses every core
// however the batches fall). The destructor runs what is still queued, then joins.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera::serve {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task` (it must not throw: it answers its own errors).
  void post(std::function<void()> task);
  std::size_t threads() const { return threads_.size(); }

 private:
  void work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tessera::serve
