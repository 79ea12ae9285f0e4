#pragma once
// The one way python-mpi and `pybcast run` turn their flags and the
// environment into a LaunchRequest (rank 0's is then agreed by every rank).
#include <string>
#include <vector>

#include "cli/settings_table.h"
#include "launch/python_launcher.h"

namespace pybcast {

/// What the command line said; python-mpi says no stage flags (it is
/// configured by the environment alone), only its leading ones.
struct LaunchFlags {
  SettingFlags settings;
  std::vector<std::string> python_args;
};

/// Each row of the settings table that applies to the launchers: its flag,
/// else its variables, else its default.
LaunchRequest resolve_launch_request(const LaunchFlags& flags);

}  // namespace pybcast
