#include <gtest/gtest.h>

#include "stage/stage_plan.h"
#include "util/error.h"

namespace pybcast {
namespace {

TEST(StagePlan, RoundTrips) {
  StagePlan plan{"abc", {"a b.tar.gz", "x:y\n.tar"}, {1, uint64_t{5} << 30}};
  StagePlan back = StagePlan::decode(plan.encode());
  EXPECT_EQ(back.key, "abc");
  EXPECT_EQ(back.names, plan.names);
  EXPECT_EQ(back.sizes, plan.sizes);
  EXPECT_THROW(StagePlan::decode("nonewline"), Error);
}

}  // namespace
}  // namespace pybcast
