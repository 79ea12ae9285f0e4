#include "launch/mpi_abi.h"

#include <gtest/gtest.h>

namespace pybcast {
namespace {

TEST(MpiAbi, FamiliesOfLibrariesAndVersions) {
  EXPECT_EQ(mpi_family_of_library("libmpi.so.40"), "Open MPI");
  EXPECT_EQ(mpi_family_of_library("libmpich.so.12"), "MPICH");
  EXPECT_EQ(mpi_family_of_library("libmpi.so.12"), "MPICH");  // Intel MPI, Cray MPICH
  EXPECT_EQ(mpi_family_of_library("libc.so.6"), std::nullopt);
  EXPECT_EQ(mpi_family_of_version("Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4"), "Open MPI");
  EXPECT_EQ(mpi_family_of_version("MPICH Version:\t4.0.2"), "MPICH");
  EXPECT_EQ(mpi_family_of_version("Intel(R) MPI Library 2021.9 for Linux* OS"), "MPICH");
  EXPECT_EQ(mpi_family_of_version("something else"), std::nullopt);
}

TEST(MpiAbi, MismatchNamesBoth) {
  Mpi4pyAbi staged{"/p/mpi4py/MPI.so", "libmpich.so.12", "MPICH"};
  std::optional<std::string> why = mpi_abi_mismatch(staged, "Open MPI v4.1.4");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("/p/mpi4py/MPI.so"), std::string::npos) << *why;
  EXPECT_NE(why->find("libmpich.so.12 (MPICH), but this job runs Open MPI (Open MPI v4.1.4)"), std::string::npos)
      << *why;
  EXPECT_EQ(mpi_abi_mismatch(staged, "MPICH Version: 4.0.2"), std::nullopt);
  EXPECT_EQ(mpi_abi_mismatch(staged, "an MPI nobody knows"), std::nullopt);
}

}  // namespace
}  // namespace pybcast
