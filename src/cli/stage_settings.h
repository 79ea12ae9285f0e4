#pragma once
// The staging flags shared by `pybcast stage`, `pybcast run` and python-mpi
// (which takes no flags: only the environment), resolved with the
// precedence flags > PYBCAST_* > PYTHON_MPI_* > defaults.
#include <optional>
#include <string>
#include <vector>

#include "stage/stager.h"

namespace CLI {
class App;
}

namespace pybcast {

struct StageFlags {
  std::vector<std::string> bundles;
  std::optional<std::string> packages, chroot, pkgroot, trace, virtual_nodes, chunk_size, cache_max, extract_threads;
  bool report = false;
  bool verify_cache = false;
  double lock_timeout = kDefaultLockTimeoutSeconds;
};

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

/// Adds the options (not the positional bundles) to `app`.
void add_stage_flags(CLI::App& app, StageFlags& flags);
/// Throws Error on invalid values.
StageSettings resolve_stage_settings(const StageFlags& flags);

}  // namespace pybcast
