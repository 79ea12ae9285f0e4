#include "bcast/chunk_plan.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pybcast {
namespace {

TEST(ChunkPlan, SplitsEachBundleWithoutSpanning) {
  auto plan = plan_chunks({10000, 4096, 0}, 4096);
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(plan[0].size, 4096u);
  EXPECT_EQ(plan[2].offset, 8192u);
  EXPECT_EQ(plan[2].size, 10000u - 8192u);
  EXPECT_TRUE(plan[2].last);
  EXPECT_FALSE(plan[1].last);
  EXPECT_EQ(plan[3].bundle, 1u);
  EXPECT_TRUE(plan[3].last);
  EXPECT_EQ(plan[4].bundle, 2u);
  EXPECT_EQ(plan[4].size, 0u);  // an empty bundle still sends its hash
  EXPECT_TRUE(plan[4].last);
}

TEST(ChunkPlan, OffsetsAreSixtyFourBit) {
  const uint64_t five_gib = uint64_t{5} << 30;
  auto plan = plan_chunks({five_gib}, uint64_t{64} << 20);
  ASSERT_EQ(plan.size(), 80u);
  EXPECT_EQ(plan.back().offset, five_gib - (uint64_t{64} << 20));
  uint64_t total = 0;
  for (const auto& c : plan) total += c.size;
  EXPECT_EQ(total, five_gib);
}

TEST(ChunkPlan, RejectsUnusableChunkSizes) {
  EXPECT_THROW(plan_chunks({1}, 100), Error);
  EXPECT_THROW(plan_chunks({1}, uint64_t{4} << 30), Error);
}

}  // namespace
}  // namespace pybcast
