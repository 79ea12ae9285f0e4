#pragma once
// --stage-script-dir: the directory of the script is staged too, as a
// directory bundle of its own cache entry (so editing the script does not
// re-stage the environment), and the script runs from its node-local copy:
// Python's path finder then stats sys.path[0] on the node, not on the
// shared file system, at every top-level import.
#include <mpi.h>

#include <optional>
#include <string>
#include <vector>

#include "stage/stager.h"

namespace pybcast {

/// Defaults of the limits that keep a mistaken --stage-script-dir (a script
/// in $HOME, next to a dataset) from copying a huge tree to every node.
inline constexpr uint64_t kScriptDirMaxEntries = 10000;
inline constexpr const char* kScriptDirMaxBytes = "1G";

struct ScriptDirStage {
  StageOutcome outcome;
  std::string directory;  ///< the script's directory on the shared file system
};

/// Collective. Stages the directory of the script `python_args` names and
/// points python_args[0] at its copy; nothing when they name no script
/// (-c, -m, stdin; rank 0 warns). `limits` come from the settings.
std::optional<ScriptDirStage> stage_script_directory(MPI_Comm world, const StageRequest& stage,
                                                     const LiveTreeOptions& limits,
                                                     std::vector<std::string>& python_args);

/// The options of a script's directory: no excludes (data next to a script
/// is its own), the limits, and the message that names them.
LiveTreeOptions script_dir_options(uint64_t max_entries, uint64_t max_bytes);

}  // namespace pybcast
