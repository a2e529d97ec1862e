#pragma once
#include "tessera/core/config/reader.h"

namespace tessera::config {

// `tessera serve` (serve/): a run behind an HTTP inference service. The run's own section is the
// default; the command line overrides it (--set serve.max_batch=64).
//   max_batch           requests run as one batch at most (one forward pass)
//   max_queue_delay_ms  the longest the oldest waiting request waits for the batch to fill
//   queue_capacity      requests waiting for a batch; one more is answered 503 at once
//   max_request_mb      a request body over this is answered 413 before it is read
//   request_timeout_s   a request not answered by then is answered 504
//   header_timeout_s    a client must send its request line and headers within this (slow clients)
//   threads             HTTP and decode threads; auto = every core
//   executors           batches in flight at once (1 per GPU stream; more for CPU models)
struct ServeConfig {
  int max_batch = 32;
  double max_queue_delay_ms = 2.0;
  int queue_capacity = 1024;
  double max_request_mb = 32.0;
  double request_timeout_s = 30.0;
  double header_timeout_s = 10.0;
  ThreadCount threads{true, 0};
  int executors = 1;

  template <class V>
  void visit(V& v) {
    v.field("max_batch", max_batch);
    v.field("max_queue_delay_ms", max_queue_delay_ms);
    v.field("queue_capacity", queue_capacity);
    v.field("max_request_mb", max_request_mb);
    v.field("request_timeout_s", request_timeout_s);
    v.field("header_timeout_s", header_timeout_s);
    v.field("threads", threads);
    v.field("executors", executors);
  }
  void validate(const SectionChecker& c) const {
    c.in_range("max_batch", max_batch, 1, 65536);
    c.in_range("max_queue_delay_ms", max_queue_delay_ms, 0.0, 60000.0);
    c.in_range("queue_capacity", queue_capacity, 1, 1 << 24);
    c.positive("max_request_mb", max_request_mb);
    c.in_range("max_request_mb", max_request_mb, 0.0, 4096.0);
    c.positive("request_timeout_s", request_timeout_s);
    c.positive("header_timeout_s", header_timeout_s);
    if (!threads.automatic) c.in_range("threads", threads.count, 1, 4096);
    c.in_range("executors", executors, 1, 256);
  }
};

}  // namespace tessera::config
