#pragma once
// The staged Python and the environment it runs in, prepared the same way for
// python-mpi (which applies it and runs Python in-process) and for
// `pybcast stage --print-env` (which prints it for a later `python3` step).
#include <mpi.h>

#include <string>

#include "launch/python_env.h"
#include "launch/staged_python.h"
#include "stage/stager.h"

namespace pybcast {

struct PreparedPython {
  StagedPython python;
  LaunchEnvironment env;
};

/// Locates the interpreter in `outcome`'s prefix (honouring a PYTHONHOME the
/// user set) and builds its environment. `script` is the script to be run,
/// if any (for warnings). Throws Error explaining what is missing.
PreparedPython prepare_staged_python(const StageOutcome& outcome, const std::string& chroot,
                                     const std::string& hash_seed, const std::string& script);

/// One PYTHONHASHSEED for every rank (collective): the same str hashes, the
/// same set and dict order everywhere, as mpi4py codes often assume.
std::string agree_hash_seed(MPI_Comm world);

}  // namespace pybcast
