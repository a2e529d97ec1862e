#include "tessera/tasks/bounded_sample.h"

#include "tessera/core/random.h"

namespace tessera::tasks {

BoundedSample::BoundedSample(std::size_t capacity, std::uint64_t seed, const std::string& stream)
    : capacity_(capacity), state_(splitmix64(seed)) {
  for (const unsigned char c : stream) state_ = splitmix64(state_ ^ c);
  values_.reserve(capacity_);
}

void BoundedSample::add(double value) {
  const auto index = static_cast<std::uint64_t>(seen_++);
  if (values_.size() < capacity_) {
    values_.push_back(value);
    return;
  }
  // Keep the value with probability capacity / seen, in a uniformly drawn slot: j in [0, index].
  const std::uint64_t j = uniform_below([this] { return splitmix64(state_ += kSplitMixGamma); }, index + 1);
  if (j < capacity_) values_[j] = value;
}

}  // namespace tessera::tasks
