// DynamicBatcher with sleep-based fake models: batches fill from concurrent callers and never
// exceed max_batch, a lone request waits at most max_queue_delay, a full queue and shutdown answer
// at once, deadlines and failing batches are answered, the queue drains on shutdown, and
// executors scale a sleeping model past the 2 cores this runs on.
#include "tessera/serve/dynamic_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace tessera::serve {
namespace {

using namespace std::chrono_literals;
using Batcher = DynamicBatcher<int, int>;

// Doubles every request after sleeping `cost`; records every batch size.
struct SleepingModel {
  std::chrono::milliseconds cost{0};
  std::mutex mutex;
  std::vector<std::size_t> sizes;

  Batcher::RunBatch run() {
    return [this](std::vector<int>& batch) {
      {
        const std::lock_guard lock(mutex);
        sizes.push_back(batch.size());
      }
      std::this_thread::sleep_for(cost);
      std::vector<int> out;
      for (int v : batch) out.push_back(2 * v);
      return out;
    };
  }
};

TEST(DynamicBatcher, ConcurrentCallersShareBatchesNeverLargerThanMaxBatch) {
  SleepingModel model;
  model.cost = 20ms;
  std::atomic<std::size_t> executions{0}, inferences{0};
  {
    Batcher batcher({.max_batch = 8, .max_queue_delay = 5ms, .queue_capacity = 256, .executors = 1}, model.run(),
                    [&](const BatchRecord& r) {
                      executions += 1;
                      inferences += r.size;
                    });
    std::vector<std::thread> callers;
    std::atomic<int> wrong{0};
    for (int c = 0; c < 32; ++c) {
      callers.emplace_back([&, c] {
        for (int i = 0; i < 4; ++i) {
          Batcher::Ticket t = batcher.submit(c * 100 + i);
          ASSERT_EQ(t.admission, Admission::accepted);
          if (t.result.get() != 2 * (c * 100 + i)) wrong += 1;
        }
      });
    }
    for (std::thread& t : callers) t.join();
    EXPECT_EQ(wrong, 0) << "a caller got another request's response";
  }
  EXPECT_EQ(inferences, 128u);
  // 32 callers each waiting on their own request: batches of 8 form, so far fewer than 128 runs.
  EXPECT_LE(executions, 40u) << "requests were not batched";
  for (std::size_t s : model.sizes) EXPECT_LE(s, 8u);
}

TEST(DynamicBatcher, ALoneRequestWaitsAboutTheQueueDelayNotLonger) {
  SleepingModel model;
  Batcher batcher({.max_batch = 64, .max_queue_delay = 30ms, .queue_capacity = 8, .executors = 1}, model.run());
  const auto start = Clock::now();
  Batcher::Ticket t = batcher.submit(21);
  ASSERT_EQ(t.admission, Admission::accepted);
  EXPECT_EQ(t.result.get(), 42);
  const auto waited = Clock::now() - start;
  EXPECT_GE(waited, 29ms);   // it waited for company
  EXPECT_LT(waited, 500ms);  // and then ran alone (generous: a loaded 2-core CI machine)
}

TEST(DynamicBatcher, AFullBatchRunsWithoutWaitingForTheDelay) {
  SleepingModel model;
  Batcher batcher({.max_batch = 4, .max_queue_delay = 10s, .queue_capacity = 8, .executors = 1}, model.run());
  const auto start = Clock::now();
  std::vector<std::future<int>> results;
  for (int i = 0; i < 4; ++i) results.push_back(batcher.submit(i).result);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(results[i].get(), 2 * i);
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST(DynamicBatcher, AFullQueueIsRefusedAtOnceAndServingGoesOn) {
  std::latch release(1);
  Batcher batcher({.max_batch = 1, .max_queue_delay = 0ms, .queue_capacity = 2, .executors = 1},
                  [&](std::vector<int>& batch) {
                    release.wait();
                    return std::vector<int>(batch.size(), 7);
                  });
  std::vector<Batcher::Ticket> tickets;
  tickets.push_back(batcher.submit(1));  // taken by the executor, which blocks
  while (batcher.queued() != 0) std::this_thread::sleep_for(1ms);
  tickets.push_back(batcher.submit(2));
  tickets.push_back(batcher.submit(3));
  const auto start = Clock::now();
  const Batcher::Ticket refused = batcher.submit(4);
  EXPECT_LT(Clock::now() - start, 50ms) << "submit blocked on a full queue";
  EXPECT_EQ(refused.admission, Admission::queue_full);
  EXPECT_FALSE(refused.result.valid());
  release.count_down();
  for (Batcher::Ticket& t : tickets) EXPECT_EQ(t.result.get(), 7);
  EXPECT_EQ(batcher.submit(5).result.get(), 7);
}

TEST(DynamicBatcher, ARequestPastItsDeadlineIsAnsweredAndNeverRun) {
  std::latch release(1);
  std::atomic<int> ran{0};
  Batcher batcher({.max_batch = 1, .max_queue_delay = 0ms, .queue_capacity = 4, .executors = 1},
                  [&](std::vector<int>& batch) {
                    release.wait();
                    ran += static_cast<int>(batch.size());
                    return batch;
                  });
  Batcher::Ticket first = batcher.submit(1);
  while (batcher.queued() != 0) std::this_thread::sleep_for(1ms);
  Batcher::Ticket late = batcher.submit(2, Clock::now() + 10ms);
  std::this_thread::sleep_for(30ms);
  release.count_down();
  EXPECT_EQ(first.result.get(), 1);
  EXPECT_THROW(late.result.get(), RequestTimedOut);
  EXPECT_EQ(ran, 1);
}

TEST(DynamicBatcher, AFailingBatchFailsItsRequestsAndTheNextOneRuns) {
  std::atomic<bool> fail{true};
  std::vector<BatchRecord> records;
  std::mutex mutex;
  Batcher batcher(
      {.max_batch = 4, .max_queue_delay = 0ms, .queue_capacity = 4, .executors = 1},
      [&](std::vector<int>& batch) {
        if (fail) throw std::runtime_error("out of memory on the device");
        return batch;
      },
      [&](const BatchRecord& r) {
        const std::lock_guard lock(mutex);
        records.push_back(r);
      });
  Batcher::Ticket bad = batcher.submit(1);
  try {
    bad.result.get();
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "out of memory on the device");
  }
  fail = false;
  EXPECT_EQ(batcher.submit(9).result.get(), 9);
  const std::lock_guard lock(mutex);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].failed);
  EXPECT_FALSE(records[1].failed);
}

TEST(DynamicBatcher, AWrongNumberOfResponsesIsAnErrorNotAHang) {
  Batcher batcher({.max_batch = 2, .max_queue_delay = 0ms, .queue_capacity = 4, .executors = 1},
                  [](std::vector<int>&) { return std::vector<int>{}; });
  EXPECT_THROW(batcher.submit(1).result.get(), std::logic_error);
}

TEST(DynamicBatcher, ShutdownRefusesNewRequestsAndDrainsTheQueued) {
  SleepingModel model;
  model.cost = 5ms;
  std::vector<std::future<int>> accepted;
  {
    Batcher batcher({.max_batch = 2, .max_queue_delay = 1ms, .queue_capacity = 64, .executors = 1}, model.run());
    for (int i = 0; i < 20; ++i) accepted.push_back(batcher.submit(i).result);
    batcher.shutdown();
    const Batcher::Ticket after = batcher.submit(99);
    EXPECT_EQ(after.admission, Admission::shutting_down);
  }  // the destructor waits for the drain
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(accepted[i].wait_for(0s), std::future_status::ready) << i;
    EXPECT_EQ(accepted[i].get(), 2 * i);
  }
}

// A model that sleeps (as a GPU-bound or I/O-bound forward pass leaves the CPU idle) runs batches
// concurrently with more executors than this machine has cores.
TEST(DynamicBatcher, ExecutorsRunSleepingBatchesConcurrently) {
  auto elapsed = [](int executors) {
    SleepingModel model;
    model.cost = 40ms;
    Batcher batcher({.max_batch = 1, .max_queue_delay = 0ms, .queue_capacity = 64, .executors = executors},
                    model.run());
    const auto start = Clock::now();
    std::vector<std::future<int>> results;
    for (int i = 0; i < 16; ++i) results.push_back(batcher.submit(i).result);
    for (auto& r : results) r.get();
    return Clock::now() - start;
  };
  const auto one = elapsed(1);    // 16 x 40 ms = 640 ms
  const auto eight = elapsed(8);  // 2 x 40 ms = 80 ms
  EXPECT_GE(one, 600ms);
  EXPECT_LT(eight * 3, one) << "8 executors gave no concurrency";
}

TEST(DynamicBatcher, OptionsOutOfRangeNameTheirKey) {
  auto message = [](BatcherOptions o) {
    try {
      validate(o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message({.max_batch = 0}).find("serve.max_batch"), std::string::npos);
  EXPECT_NE(message({.max_queue_delay = -1ms}).find("serve.max_queue_delay"), std::string::npos);
  EXPECT_NE(message({.queue_capacity = 0}).find("serve.queue_capacity"), std::string::npos);
  EXPECT_NE(message({.executors = 0}).find("serve.executors"), std::string::npos);
  EXPECT_EQ(message({}), "");
}

}  // namespace
}  // namespace tessera::serve
