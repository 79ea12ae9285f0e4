#pragma once
// An mpi4py built against one MPI family crashes inside another's libmpi at
// `from mpi4py import MPI`, with no useful message (an MPICH-built mpi4py
// under Open MPI segfaults). The staged mpi4py's MPI extension names its
// library in DT_NEEDED; the running one says what it is through
// MPI_Get_library_version. Different families: a clear error before Python starts.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pybcast {

/// "Open MPI" for libmpi.so.40, "MPICH" for the MPICH ABI (libmpich.so.12,
/// libmpi.so.12: MPICH, Intel MPI, Cray MPICH, MVAPICH); nullopt otherwise.
std::optional<std::string> mpi_family_of_library(std::string_view soname);
/// The family of an MPI_Get_library_version string; nullopt if unknown.
std::optional<std::string> mpi_family_of_version(std::string_view version);

struct Mpi4pyAbi {
  std::string extension;  ///< the staged mpi4py/MPI.*.so
  std::string library;    ///< the MPI library it needs (DT_NEEDED)
  std::string family;     ///< of that library
};

/// The MPI library the staged mpi4py needs, if the prefix holds an mpi4py
/// whose extension names a known MPI library.
std::optional<Mpi4pyAbi> staged_mpi4py_abi(const std::string& prefix);
/// The same for the first `mpi4py/` found in these directories (a python's sys.path: doctor).
std::optional<Mpi4pyAbi> mpi4py_abi_on_path(const std::vector<std::string>& dirs);

/// First line of MPI_Get_library_version (callable before MPI_Init).
std::string running_mpi_version();

/// nullopt when they match (or either is unknown), else the message.
std::optional<std::string> mpi_abi_mismatch(const Mpi4pyAbi& staged, const std::string& running_version);

}  // namespace pybcast
