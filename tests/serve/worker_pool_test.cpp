// The decode workers of a served classifier: as many tasks at once as threads (more threads than
// this machine's 2 cores, with sleeping fakes, as a 16-128 core server would run decodes), and
// nothing queued is lost when the pool goes.
#include "tessera/serve/worker_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace tessera::serve {
namespace {

using namespace std::chrono_literals;

TEST(WorkerPool, RunsAsManyTasksAtOnceAsItHasThreadsEvenPastTheCoreCount) {
  std::atomic<int> running{0}, most{0}, done{0};
  const auto start = std::chrono::steady_clock::now();
  {
    WorkerPool pool(8);
    ASSERT_EQ(pool.threads(), 8u);
    for (int i = 0; i < 16; ++i) {
      pool.post([&] {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(50ms);  // a decode that waits, not one that computes
        --running;
        ++done;
      });
    }
  }
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(done.load(), 16);
  EXPECT_EQ(most.load(), 8);
  EXPECT_LT(took, 400ms) << "16 sleeps of 50 ms on 8 threads take 2 rounds, not 16";
}

TEST(WorkerPool, TheDestructorRunsWhatIsStillQueued) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(1);
    pool.post([] { std::this_thread::sleep_for(20ms); });
    for (int i = 0; i < 20; ++i) pool.post([&] { ++done; });
  }
  EXPECT_EQ(done.load(), 20);
}

}  // namespace
}  // namespace tessera::serve
