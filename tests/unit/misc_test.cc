#include <gtest/gtest.h>

#include "cli/commands.h"
#include "cli/settings.h"
#include "stage/stage_plan.h"
#include "stage/stage_record.h"
#include "stage/stage_report.h"
#include "util/error.h"
#include "util/units.h"

namespace pybcast {
namespace {

TEST(Units, FormatsAndParses) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(200.0 * (1 << 20)), "200 MiB");
  EXPECT_EQ(format_seconds(0.0123), "12.3 ms");
  EXPECT_EQ(format_seconds(75), "1m15s");
  EXPECT_EQ(parse_size("4M"), 4u << 20);
  EXPECT_EQ(parse_size("512k"), 512u << 10);
  EXPECT_EQ(parse_size("1GiB"), 1u << 30);
  EXPECT_EQ(parse_size("65536"), 65536u);
  EXPECT_THROW(parse_size("four"), Error);
  EXPECT_THROW(parse_size("4X"), Error);
}

TEST(Settings, FlagBeatsPybcastBeatsSeedBeatsDefault) {
  unsetenv("PYBCAST_CHROOT");
  unsetenv("PYTHON_MPI_CHROOT");
  EXPECT_EQ(setting(std::nullopt, {"PYBCAST_CHROOT", "PYTHON_MPI_CHROOT"}, "/dev/shm"), "/dev/shm");
  setenv("PYTHON_MPI_CHROOT", "/seed", 1);
  EXPECT_EQ(setting(std::nullopt, {"PYBCAST_CHROOT", "PYTHON_MPI_CHROOT"}, "/dev/shm"), "/seed");
  setenv("PYBCAST_CHROOT", "/ours", 1);
  EXPECT_EQ(setting(std::nullopt, {"PYBCAST_CHROOT", "PYTHON_MPI_CHROOT"}, "/dev/shm"), "/ours");
  EXPECT_EQ(setting(std::string("/flag"), {"PYBCAST_CHROOT", "PYTHON_MPI_CHROOT"}, "/dev/shm"), "/flag");
  unsetenv("PYBCAST_CHROOT");
  unsetenv("PYTHON_MPI_CHROOT");
  EXPECT_EQ(split_list("python-3.11.tar.gz:numpy.tar.gz::mpi4py.tar.gz"),
            (std::vector<std::string>{"python-3.11.tar.gz", "numpy.tar.gz", "mpi4py.tar.gz"}));
}

TEST(Commands, SuggestsTheClosestCommand) {
  EXPECT_NE(find_command("stage"), nullptr);
  EXPECT_EQ(find_command("stgae"), nullptr);
  EXPECT_EQ(suggest_command("stgae"), "stage");
  EXPECT_EQ(suggest_command("completely-different"), "");
}

TEST(StagePlan, RoundTrips) {
  StagePlan plan{"abc", {"a b.tar.gz", "x:y\n.tar"}, {1, uint64_t{5} << 30}};
  StagePlan back = StagePlan::decode(plan.encode());
  EXPECT_EQ(back.key, "abc");
  EXPECT_EQ(back.names, plan.names);
  EXPECT_EQ(back.sizes, plan.sizes);
  EXPECT_THROW(StagePlan::decode("nonewline"), Error);
}

TEST(StageRecord, RoundTripsThroughJson) {
  StageRecord r;
  r.plan = {"k", {"n.tar"}, {10}};
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

TEST(StageReport, MedianIgnoresAbsentPhases) {
  EXPECT_EQ(median_of({-1, 3, 1, 2}), 2);
  EXPECT_EQ(median_of({-1}), -1);
  EXPECT_EQ(median_of({1, 2, 3, 4}), 2.5);
}

}  // namespace
}  // namespace pybcast
