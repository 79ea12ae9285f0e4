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

struct PrepareOptions {
  std::string chroot;            ///< the configured node-local root
  std::string hash_seed;         ///< agreed by every rank
  std::string script;            ///< the script to be run, if any (for warnings)
  bool keep_pythonhome = false;  ///< keep a PYTHONHOME/PYTHONPATH outside the stage (and warn)
};

/// Locates the interpreter in `outcome`'s prefix (mapping a PYTHONHOME and
/// PYTHONPATH the user set, launch/home_mapping) and builds its environment,
/// runtime caches on the node included. Throws Error explaining what is missing.
PreparedPython prepare_staged_python(const StageOutcome& outcome, const PrepareOptions& options);

/// Creates the node-local directories of the runtime caches the user has not
/// set (launch/node_caches). Call it on every rank (at least one per node)
/// before Python uses them.
void prepare_node_caches(const StageOutcome& outcome);

/// `stage --print-env`: the staged Python's environment when the bundles hold
/// a Python, else only PATH and LD_LIBRARY_PATH of the prefix (an MPI
/// application and its libraries); then PYBCAST_PREFIX.
LaunchEnvironment environment_for_later_step(const StageOutcome& outcome, const PrepareOptions& options);

/// --report's sections of `env` (python-mpi, and `stage --print-env`): the
/// variables mapped into the stage and the caches pointed at the node.
void add_environment_to_report(const LaunchEnvironment& env, ReportContext& context);

/// One PYTHONHASHSEED for every rank (collective): the same str hashes, the
/// same set and dict order everywhere, as mpi4py codes often assume.
std::string agree_hash_seed(MPI_Comm world);

}  // namespace pybcast
