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

TEST(StageReport, SymlinkNamesFromBundlesCannotReachTheTerminalRaw) {
  ReportContext context;
  context.record.stats.outside_symlink_count = 1;
  context.record.stats.outside_symlinks = {"lib/evil\x1b[2J\x1b[31m -> /etc/\rpasswd"};
  std::vector<RankSample> samples(1);
  std::string report = format_report(context, samples);
  EXPECT_EQ(report.find('\x1b'), std::string::npos) << report;
  EXPECT_EQ(report.find('\r'), std::string::npos) << report;
  EXPECT_NE(report.find("lib/evil\\x1b[2J\\x1b[31m -> /etc/\\x0dpasswd"), std::string::npos) << report;
}

}  // namespace
}  // namespace pybcast
