#include <gtest/gtest.h>

#include "stage/stage_plan.h"
#include "util/error.h"

namespace pybcast {
namespace {

TEST(StagePlan, RoundTrips) {
  StagePlan plan{"abc",
                 {"a b.tar.gz", "x:y\n.tar", "/home/me/venv"},
                 {1, uint64_t{5} << 30, 0},
                 {false, false, true},
                 {false, false, false}};
  StagePlan back = StagePlan::decode(plan.encode());
  EXPECT_EQ(back.key, "abc");
  EXPECT_EQ(back.names, plan.names);
  EXPECT_EQ(back.sizes, plan.sizes);
  EXPECT_EQ(back.trees, plan.trees);
  EXPECT_TRUE(back.has_trees());
  EXPECT_THROW(StagePlan::decode("nonewline"), Error);
}

TEST(StagePlan, CarriesAnImageBundle) {
  StagePlan plan{"abc", {"demo.sqfs"}, {4096}, {false}, {true}};
  StagePlan back = StagePlan::decode(plan.encode());
  EXPECT_EQ(back.sizes, plan.sizes);
  EXPECT_TRUE(back.is_image());
  EXPECT_FALSE(StagePlan::decode(StagePlan{"k", {"a.tar"}, {1}, {false}, {false}}.encode()).is_image());
}

}  // namespace
}  // namespace pybcast
