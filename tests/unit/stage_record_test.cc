#include <gtest/gtest.h>

#include "stage/stage_record.h"
#include "util/error.h"

namespace pybcast {
namespace {

TEST(StageRecord, RoundTripsThroughJson) {
  StageRecord r;
  r.plan = {"k", {"n.tar"}, {10}, {false}, {false}};
  r.stats.files = 3;
  r.stats.outside_symlink_count = 1;
  r.stats.outside_symlinks = {"a -> /etc"};
  r.tar_bytes = 99;
  StageRecord back = stage_record_from_json(stage_record_to_json(r));
  EXPECT_EQ(back.stats.files, 3u);
  EXPECT_EQ(back.stats.outside_symlinks, r.stats.outside_symlinks);
  EXPECT_EQ(back.tar_bytes, 99u);
  EXPECT_THROW(stage_record_from_json("{}"), Error);
}

}  // namespace
}  // namespace pybcast
