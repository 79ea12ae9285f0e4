#pragma once
// The staging flags shared by `pybcast stage`, `pybcast run` and python-mpi
// (which takes no such flags: only the environment), registered and resolved
// from the settings table (cli/settings_table) with the precedence
// flags > PYBCAST_* > PYTHON_MPI_* > defaults.
#include <optional>
#include <string>

#include "cli/settings_table.h"
#include "stage/stager.h"

namespace CLI {
class App;
}

namespace pybcast {

struct StageSettings {
  StageRequest request;
  ReportOutputs outputs;
};

/// --chroot, as every command that touches the node-local root takes it.
void add_chroot_flag(CLI::App& app, std::optional<std::string>& chroot);
/// The node-local root: the flag, else PYBCAST_CHROOT, else PYTHON_MPI_CHROOT, else the default;
/// lexically normal ("a/../b" is "b", see cache/trusted_dir).
std::string resolve_chroot(const std::optional<std::string>& flag);

/// PYBCAST_KEEP_PYTHONHOME=1: keep a PYTHONHOME/PYTHONPATH outside the stage.
bool keep_pythonhome_from_env();

/// The --help of a row's flag: its help, variables and default.
std::string flag_help(const Setting& row);
/// Adds the flags of the rows that apply to `scope` (not the positional
/// bundles) to `app`, and names the rows set by the environment alone in its footer.
void add_setting_flags(CLI::App& app, SettingFlags& flags, unsigned scope);
/// Adds `pybcast stage`'s flags.
inline void add_stage_flags(CLI::App& app, SettingFlags& flags) { add_setting_flags(app, flags, kForStage); }
/// Throws Error on invalid values.
StageSettings resolve_stage_settings(const SettingFlags& flags);

}  // namespace pybcast
