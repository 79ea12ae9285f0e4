#pragma once
// `pybcast doctor`'s whole examination of this node and environment, apart
// from its command line: where a start-up reads from, this user's cache
// entries, the node's notes (logind, package directories, mpi4py's MPI).
#include <optional>
#include <string>

#include "doctor/doctor_report.h"

namespace pybcast {

struct DoctorRequest {
  std::string python = "python3";  ///< asked for its sys.path, and run by `measure`
  bool python_required = false;    ///< a python that does not run is an error (it was named, or is measured)
  std::optional<std::string> script;
  std::optional<std::string> measure;  ///< code to run once under strace
  std::string chroot;                  ///< whose cache entries are re-hashed
};

/// Throws Error when the request cannot be checked (no such script, a python that does not run).
DoctorReport examine(const DoctorRequest& request);

}  // namespace pybcast
