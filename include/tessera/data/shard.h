#pragma once
// One rank's share of an epoch, the way torch.utils.data.DistributedSampler deals it out: every
// rank sees the same (seeded) order, and rank r takes positions r, r + W, r + 2W, ... Training
// pads the order by repeating its start until W divides it, so every rank runs the same number
// of steps (a rank with fewer batches would wait forever in the gradient all-reduce); evaluation
// does not pad, so each sample is counted exactly once.
#include <cstddef>
#include <vector>

namespace tessera::data {

enum class ShardPadding { repeat_to_equal, none };

// Throws std::invalid_argument when rank is outside [0, world_size) or world_size < 1.
std::vector<std::size_t> shard(const std::vector<std::size_t>& order, int rank, int world_size, ShardPadding padding);

}  // namespace tessera::data
