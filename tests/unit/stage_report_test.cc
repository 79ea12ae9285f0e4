#include <gtest/gtest.h>

#include "stage/stage_report.h"
#include "util/units.h"

namespace pybcast {
namespace {

TEST(StageReport, MedianIgnoresAbsentPhases) {
  EXPECT_EQ(median_of({-1, 3, 1, 2}), 2);
  EXPECT_EQ(median_of({-1}), -1);
  EXPECT_EQ(median_of({1, 2, 3, 4}), 2.5);
}

}  // namespace
}  // namespace pybcast
