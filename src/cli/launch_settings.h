#pragma once
// The one way python-mpi and `pybcast run` turn their flags and the
// environment into a LaunchRequest (rank 0's is then agreed by every rank).
#include <string>
#include <vector>

#include "cli/audit_options.h"
#include "cli/stage_settings.h"
#include "launch/python_launcher.h"

namespace pybcast {

/// What the command line said; python-mpi says no stage flags (it is
/// configured by the environment alone) and only its leading flags.
struct LaunchFlags {
  StageFlags stage;
  std::vector<std::string> python_args;
  AuditOptions audit;  ///< already resolved (resolve_audit_options: before MPI_Init)
  bool no_abort = false;
  bool cleanup = false;
  bool keep_pythonhome = false;
  bool stage_script_dir = false;
};

/// Each flag, else its variable (PYBCAST_NO_ABORT, PYBCAST_CLEANUP,
/// PYBCAST_KEEP_PYTHONHOME, PYBCAST_STAGE_SCRIPT_DIR and the stage's).
LaunchRequest resolve_launch_request(const LaunchFlags& flags);

}  // namespace pybcast
