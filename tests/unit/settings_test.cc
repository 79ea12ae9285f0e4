#include <gtest/gtest.h>

#include "util/settings.h"

namespace pybcast {
namespace {

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

}  // namespace
}  // namespace pybcast
