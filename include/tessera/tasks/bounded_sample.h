#pragma once
// A seeded uniform sample of at most `capacity` values from a stream of unknown length
// (reservoir sampling, Vitter's algorithm R): drift statistics keep a bounded, reproducible
// sample per feature however many images were seen.
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::tasks {

class BoundedSample {
 public:
  // `stream` separates samples that share a seed (e.g. the feature name).
  BoundedSample(std::size_t capacity, std::uint64_t seed, const std::string& stream);

  void add(double value);
  const std::vector<double>& values() const { return values_; }
  std::int64_t seen() const { return seen_; }

 private:
  std::size_t capacity_;
  std::uint64_t state_;
  std::int64_t seen_ = 0;
  std::vector<double> values_;
};

}  // namespace tessera::tasks
