#include "tessera/serve/dynamic_batcher.h"

#include <stdexcept>
#include <string>

namespace tessera::serve {

void validate(const BatcherOptions& options) {
  if (options.max_batch < 1) {
    throw std::invalid_argument("serve.max_batch must be at least 1, got " + std::to_string(options.max_batch));
  }
  if (options.max_queue_delay.count() < 0) {
    throw std::invalid_argument("serve.max_queue_delay_us must not be negative, got " +
                                std::to_string(options.max_queue_delay.count()));
  }
  if (options.queue_capacity < 1) throw std::invalid_argument("serve.queue_capacity must be at least 1, got 0");
  if (options.executors < 1) {
    throw std::invalid_argument("serve.executors must be at least 1, got " + std::to_string(options.executors));
  }
}

}  // namespace tessera::serve
