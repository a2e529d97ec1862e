// resident_bytes and peak_resident_bytes follow a large allocation the process touches.
#include "tessera/core/memory.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace tessera {
namespace {

TEST(Memory, ResidentSizeFollowsTouchedMemory) {
  const std::int64_t before = resident_bytes();
  ASSERT_GT(before, 0);
  constexpr std::size_t kBytes = 64u << 20;
  auto block = std::make_unique<char[]>(kBytes);
  std::memset(block.get(), 1, kBytes);  // touched, so resident
  const std::int64_t during = resident_bytes();
  EXPECT_GE(during - before, static_cast<std::int64_t>(kBytes) * 9 / 10);
  EXPECT_GE(peak_resident_bytes(), during - (1 << 20));  // the two counters differ by a few pages
  EXPECT_EQ(block[kBytes - 1], 1);
}

}  // namespace
}  // namespace tessera
