// data::shard against torch.utils.data.DistributedSampler (shuffle off, so both deal out the same
// order) from the venv's torch, and the properties training and evaluation rely on.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tessera/data/shard.h"

namespace tessera::data {
namespace {

std::vector<std::size_t> iota(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

// DistributedSampler(range(n), num_replicas=w, rank=r, shuffle=False, drop_last=False) as a list.
std::vector<std::size_t> torch_sampler(std::size_t n, int rank, int world) {
  const std::string command = std::string("'") + TESSERA_PYTHON_EXE +
                              "' -c 'import sys; from torch.utils.data import DistributedSampler as D; "
                              "print(*D(range(" + std::to_string(n) + "), num_replicas=" + std::to_string(world) +
                              ", rank=" + std::to_string(rank) + ", shuffle=False))' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::vector<std::size_t> out;
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  std::string text;
  while (std::fgets(buffer.data(), buffer.size(), pipe.get())) text += buffer.data();
  std::istringstream in(text);
  for (std::size_t v; in >> v;) out.push_back(v);
  return out;
}

TEST(Shard, TrainingMatchesTorchDistributedSampler) {
  if (torch_sampler(4, 0, 2).empty()) GTEST_SKIP() << "needs the venv's torch (" << TESSERA_PYTHON_EXE << ")";
  for (const std::size_t n : {1u, 7u, 10u, 12u}) {
    for (const int world : {1, 2, 3, 5}) {
      for (int rank = 0; rank < world; ++rank) {
        EXPECT_EQ(shard(iota(n), rank, world, ShardPadding::repeat_to_equal), torch_sampler(n, rank, world))
            << "n " << n << " rank " << rank << " of " << world;
      }
    }
  }
}

TEST(Shard, TrainingShardsAreEqualAndCoverEverySample) {
  const std::vector<std::size_t> order = {9, 3, 7, 1, 0, 8, 2, 6, 4, 5, 10};  // a shuffled epoch of 11
  for (const int world : {2, 3, 4}) {
    std::multiset<std::size_t> seen;
    const std::size_t per_rank = shard(order, 0, world, ShardPadding::repeat_to_equal).size();
    for (int rank = 0; rank < world; ++rank) {
      const auto mine = shard(order, rank, world, ShardPadding::repeat_to_equal);
      EXPECT_EQ(mine.size(), per_rank);  // the same number of steps on every rank
      seen.insert(mine.begin(), mine.end());
    }
    EXPECT_EQ(std::set<std::size_t>(seen.begin(), seen.end()).size(), order.size());  // complete
    EXPECT_EQ(seen.size(), per_rank * static_cast<std::size_t>(world));
    EXPECT_LT(seen.size() - order.size(), static_cast<std::size_t>(world));  // padding < one per rank
  }
}

TEST(Shard, EvaluationShardsAreDisjointAndExact) {
  const std::vector<std::size_t> order = iota(11);
  for (const int world : {1, 2, 3, 4, 13}) {
    std::vector<std::size_t> all;
    for (int rank = 0; rank < world; ++rank) {
      const auto mine = shard(order, rank, world, ShardPadding::none);
      all.insert(all.end(), mine.begin(), mine.end());
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, order) << world << " ranks";  // each sample exactly once
  }
}

TEST(Shard, BadRankIsAnError) {
  EXPECT_THROW(shard(iota(4), 2, 2, ShardPadding::none), std::invalid_argument);
  EXPECT_THROW(shard(iota(4), -1, 2, ShardPadding::none), std::invalid_argument);
  EXPECT_THROW(shard(iota(4), 0, 0, ShardPadding::none), std::invalid_argument);
  EXPECT_TRUE(shard({}, 1, 2, ShardPadding::repeat_to_equal).empty());
}

}  // namespace
}  // namespace tessera::data
