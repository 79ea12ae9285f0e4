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
  std::optional<std::string> packages, chroot, pkgroot, trace, virtual_nodes, chunk_size;
  bool report = false;
  double lock_timeout = 600;
};

struct StageSettings {
  StageRequest request;
  bool report = false;
  std::string trace;
};

/// Adds the options (not the positional bundles) to `app`.
void add_stage_flags(CLI::App& app, StageFlags& flags);
/// Throws Error on invalid values.
StageSettings resolve_stage_settings(const StageFlags& flags);

}  // namespace pybcast
