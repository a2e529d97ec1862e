// data::shard against torch.utils.data.DistributedSampler (shuffle off, so both deal out the same
// order) from the venv's torch, and the properties training and evaluation rely on.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
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

// DistributedSampler(range(n), num_replicas=w, rank=r, shuffle=False, drop_last=False) for every
// (n, w, r) below, from one Python process (importing torch takes a second or two): a map from
// "n w r" to the sampler's indices. Empty when the venv's torch cannot be run.
const std::vector<std::size_t> kSizes = {1, 7, 10, 12};
const std::vector<int> kWorlds = {1, 2, 3, 5};

std::map<std::string, std::vector<std::size_t>> torch_samplers() {
  const std::string command = std::string("'") + TESSERA_PYTHON_EXE +
                              "' -c 'from torch.utils.data import DistributedSampler as D\n"
                              "for n in (1, 7, 10, 12):\n"
                              "  for w in (1, 2, 3, 5):\n"
                              "    for r in range(w): print(n, w, r, *D(range(n), num_replicas=w, rank=r, shuffle=False))' "
                              "2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::map<std::string, std::vector<std::size_t>> out;
  if (!pipe) return out;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe.get())) {
    std::istringstream in(buffer.data());
    std::size_t n = 0, w = 0, r = 0;
    in >> n >> w >> r;
    auto& indices = out[std::to_string(n) + " " + std::to_string(w) + " " + std::to_string(r)];
    for (std::size_t v; in >> v;) indices.push_back(v);
  }
  return out;
}

TEST(Shard, TrainingMatchesTorchDistributedSampler) {
  const auto samplers = torch_samplers();
  if (samplers.empty()) GTEST_SKIP() << "needs the venv's torch (" << TESSERA_PYTHON_EXE << ")";
  for (const std::size_t n : kSizes) {
    for (const int world : kWorlds) {
      for (int rank = 0; rank < world; ++rank) {
        const std::string key = std::to_string(n) + " " + std::to_string(world) + " " + std::to_string(rank);
        ASSERT_TRUE(samplers.count(key)) << key;
        EXPECT_EQ(shard(iota(n), rank, world, ShardPadding::repeat_to_equal), samplers.at(key)) << key;
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
