#pragma once
// --stage-script-dir and its limits, from the flag or the environment.
#include <string>
#include <vector>

#include "launch/python_launcher.h"

namespace pybcast {

/// Sets request.stage_script_dir (the flag, else PYBCAST_STAGE_SCRIPT_DIR=1)
/// and its limits (PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES, _MAX_BYTES).
void resolve_script_dir(bool flag, LaunchRequest& request);

}  // namespace pybcast
