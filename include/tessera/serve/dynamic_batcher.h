#pragma once
// Dynamic batching for `tessera serve` (issue 21): requests from many connections wait in one
// bounded queue until a batch is full (max_batch) or the oldest request has waited max_queue_delay,
// then one call runs the whole batch (one forward pass on the model's device: GPU throughput comes
// from the batch, not the request). Triton's dynamic batcher, with its knobs.
//
// Back-pressure is explicit: submit() never blocks. A full queue answers `queue_full` at once (the
// server turns that into 503 + Retry-After); a request whose deadline passes while it waits is
// answered with RequestTimedOut and never run (504); after shutdown() new requests get
// `shutting_down` while the queued ones still run (graceful drain).
//
// Each request is answered through a callback (or a future, for callers that may block), so
// requests in flight hold no thread. Requests and responses are the caller's types; run_batch receives a batch of
// requests and returns one response per request in the same order. An exception from run_batch fails that batch's
// requests with it and the batcher goes on. `executors` threads run batches concurrently (1 for a
// single GPU stream; more for CPU models whose forward pass leaves cores idle).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tessera/serve/batch_record.h"

namespace tessera::serve {

using Clock = std::chrono::steady_clock;

struct BatcherOptions {
  int max_batch = 32;                               // requests per run_batch call, >= 1
  std::chrono::microseconds max_queue_delay{1000};  // the longest the oldest request waits for company
  std::size_t queue_capacity = 1024;                // waiting requests; one more is refused at once
  int executors = 1;                                // batches in flight at once, >= 1
};

// Throws std::invalid_argument naming the field when a value is out of range.
void validate(const BatcherOptions& options);

enum class Admission : std::uint8_t { accepted, queue_full, shutting_down };

// The answer to a request whose deadline passed while it waited in the queue.
class RequestTimedOut : public std::runtime_error {
 public:
  RequestTimedOut() : std::runtime_error("the request waited in the queue past its deadline") {}
};

// The answer to a request refused after it was accepted upstream (a served classifier decodes
// before it queues): 503 like a refusal at the door.
class RequestRefused : public std::runtime_error {
 public:
  explicit RequestRefused(Admission why)
      : std::runtime_error(why == Admission::queue_full ? "the queue is full; retry shortly (serve.queue_capacity)"
                                                        : "the server is shutting down") {}
};

template <class Request, class Response>
class DynamicBatcher {
 public:
  using RunBatch = std::function<std::vector<Response>(std::vector<Request>& batch)>;
  using OnBatch = std::function<void(const BatchRecord&)>;

  // A request's answer: a response, or the error that stands in for it.
  struct Outcome {
    std::optional<Response> response;
    std::exception_ptr error;
  };
  using Done = std::function<void(Outcome)>;

  struct Ticket {
    Admission admission = Admission::accepted;
    std::future<Response> result;  // valid only when accepted
  };

  DynamicBatcher(BatcherOptions options, RunBatch run_batch, OnBatch on_batch = {})
      : options_(options), run_batch_(std::move(run_batch)), on_batch_(std::move(on_batch)) {
    validate(options_);
    for (int i = 0; i < options_.executors; ++i) executors_.emplace_back([this] { execute(); });
  }

  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;

  // Drains: every accepted request is answered before the threads end.
  ~DynamicBatcher() {
    shutdown();
    for (std::thread& t : executors_) t.join();
  }

  // Queues `request`, to be answered by `deadline` (Clock::time_point::max() for none). `done` is
  // called once, on an executor thread, with the response or the error (RequestTimedOut, or what
  // run_batch threw); it must not block (an HTTP server posts the reply to its I/O thread). Not
  // called when the answer is not `accepted`.
  Admission submit(Request request, Done done, Clock::time_point deadline = Clock::time_point::max()) {
    std::unique_lock lock(mutex_);
    if (stopping_) return Admission::shutting_down;
    if (queue_.size() >= options_.queue_capacity) return Admission::queue_full;
    queue_.push_back(Pending{std::move(request), std::move(done), Clock::now(), deadline});
    lock.unlock();
    // All: an executor already collecting a batch must see it fill, not only an idle one.
    wake_.notify_all();
    return Admission::accepted;
  }

  // The same with a future for the response (tests, and callers that may block).
  Ticket submit(Request request, Clock::time_point deadline = Clock::time_point::max()) {
    auto promise = std::make_shared<std::promise<Response>>();
    Ticket ticket;
    ticket.result = promise->get_future();
    ticket.admission = submit(
        std::move(request),
        [promise](Outcome outcome) {
          if (outcome.error) {
            promise->set_exception(outcome.error);
          } else {
            promise->set_value(std::move(*outcome.response));
          }
        },
        deadline);
    if (ticket.admission != Admission::accepted) ticket.result = {};
    return ticket;
  }

  // Stops accepting; the queued requests still run. Returns at once (the destructor waits).
  void shutdown() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
  }

  std::size_t queued() const {
    const std::lock_guard lock(mutex_);
    return queue_.size();
  }

  const BatcherOptions& options() const { return options_; }

 private:
  struct Pending {
    Request request;
    Done done;
    Clock::time_point submitted;
    Clock::time_point deadline;
  };

  // `done` must not throw; if it does, the executor survives and the other requests are answered.
  static void answer(Pending& p, Outcome outcome) {
    try {
      p.done(std::move(outcome));
    } catch (...) {
    }
  }

  // One executor: wait for a first request, then until the batch is full, the oldest request's
  // delay is spent or shutdown; take up to max_batch (oldest first) and run them.
  void execute() {
    for (;;) {
      std::vector<Pending> batch;
      bool leftovers = false;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        const Clock::time_point close = queue_.front().submitted + options_.max_queue_delay;
        wake_.wait_until(lock, close, [&] {
          return stopping_ || queue_.empty() || queue_.size() >= static_cast<std::size_t>(options_.max_batch);
        });
        if (queue_.empty()) continue;  // another executor took them
        const std::size_t take = std::min(queue_.size(), static_cast<std::size_t>(options_.max_batch));
        batch.reserve(take);
        for (std::size_t i = 0; i < take; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        leftovers = !queue_.empty();
      }
      if (leftovers) wake_.notify_all();  // another executor may start on them now
      run(batch);
    }
  }

  void run(std::vector<Pending>& batch) {
    const Clock::time_point start = Clock::now();
    std::vector<Pending> live;
    live.reserve(batch.size());
    for (Pending& p : batch) {
      if (p.deadline < start) {
        answer(p, Outcome{std::nullopt, std::make_exception_ptr(RequestTimedOut())});
      } else {
        live.push_back(std::move(p));
      }
    }
    if (live.empty()) return;
    BatchRecord record;
    record.size = live.size();
    record.waits.reserve(live.size());
    std::vector<Request> requests;
    requests.reserve(live.size());
    for (Pending& p : live) {
      record.waits.push_back(start - p.submitted);
      requests.push_back(std::move(p.request));
    }
    std::vector<Response> responses;
    std::exception_ptr error;
    try {
      responses = run_batch_(requests);
      if (responses.size() != live.size()) {
        throw std::logic_error("run_batch returned " + std::to_string(responses.size()) + " responses for " +
                               std::to_string(live.size()) + " requests");
      }
    } catch (...) {
      error = std::current_exception();
    }
    record.compute = Clock::now() - start;
    record.failed = error != nullptr;
    // The record first: whoever reads the metrics after an answer finds that batch counted.
    if (on_batch_) {
      try {
        on_batch_(record);
      } catch (...) {  // a metrics hook must not take an executor down; the requests are answered
      }
    }
    for (std::size_t i = 0; i < live.size(); ++i) {
      answer(live[i], error ? Outcome{std::nullopt, error} : Outcome{std::move(responses[i]), nullptr});
    }
  }

  const BatcherOptions options_;
  const RunBatch run_batch_;
  const OnBatch on_batch_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::vector<std::thread> executors_;
};

}  // namespace tessera::serve
