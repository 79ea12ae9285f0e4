#pragma once
// Settings that decide collectives (virtual nodes, the chunk size, --report's
// gather, --trace, --cleanup's end-of-job step, ...) come from each rank's own
// environment, which a launcher does not always pass on the same to every rank
// (ssh-launched ranks often lack it, an MPMD launch may differ). A difference
// would hang the job. So they are resolved on every rank after MPI_Init (a rank
// that rejects its own makes every rank fail with its message, instead of
// leaving the others waiting), and every rank uses rank 0's; rank 0 names the
// ranks and settings that differed in one warning.
#include <mpi.h>

#include <functional>

#include "cli/stage_settings.h"
#include "launch/python_launcher.h"

namespace pybcast {

/// Collective. The Python arguments stay each rank's own.
LaunchRequest agree_launch_request(MPI_Comm world, const std::function<LaunchRequest()>& resolve);
/// Collective.
StageSettings agree_stage_settings(MPI_Comm world, const std::function<StageSettings()>& resolve);

}  // namespace pybcast
