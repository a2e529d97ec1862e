#include "tessera/data/shard.h"

#include <stdexcept>
#include <string>

namespace tessera::data {

std::vector<std::size_t> shard(const std::vector<std::size_t>& order, int rank, int world_size, ShardPadding padding) {
  if (world_size < 1 || rank < 0 || rank >= world_size) {
    throw std::invalid_argument("shard: rank " + std::to_string(rank) + " is not in [0, " + std::to_string(world_size) + ")");
  }
  const auto world = static_cast<std::size_t>(world_size);
  std::size_t total = order.size();
  if (padding == ShardPadding::repeat_to_equal && !order.empty()) total = (order.size() + world - 1) / world * world;
  std::vector<std::size_t> mine;
  mine.reserve(total / world + 1);
  // Past the end, position p repeats order[p - size] (again and again when W exceeds the size),
  // as DistributedSampler's `indices += indices[:padding_size]` does.
  for (std::size_t p = static_cast<std::size_t>(rank); p < total; p += world) mine.push_back(order[p % order.size()]);
  return mine;
}

}  // namespace tessera::data
