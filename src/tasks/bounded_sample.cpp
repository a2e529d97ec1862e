#include "tessera/tasks/bounded_sample.h"

#include "tessera/data/loader.h"

namespace tessera::tasks {

BoundedSample::BoundedSample(std::size_t capacity, std::uint64_t seed, const std::string& stream)
    : capacity_(capacity), state_(data::splitmix64(seed)) {
  for (const unsigned char c : stream) state_ = data::splitmix64(state_ ^ c);
  values_.reserve(capacity_);
}

void BoundedSample::add(double value) {
  const auto index = static_cast<std::uint64_t>(seen_++);
  if (values_.size() < capacity_) {
    values_.push_back(value);
    return;
  }
  // Keep the value with probability capacity / seen, in a uniformly drawn slot: j in [0, index].
  state_ += 0x9E3779B97F4A7C15ULL;
  const auto j =
      static_cast<std::uint64_t>((static_cast<unsigned __int128>(data::splitmix64(state_)) * (index + 1)) >> 64);
  if (j < capacity_) values_[j] = value;
}

}  // namespace tessera::tasks
