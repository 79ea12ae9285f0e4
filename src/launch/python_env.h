#pragma once
// The environment Python starts with under the launcher (and what
// `pybcast stage --print-env` prints for the two-step workflow): staged
// PYTHONHOME, PATH and LD_LIBRARY_PATH first, bytecode kept off the shared
// file system, runtime caches on the node, PYTHONPATH entries of the original
// installation mapped into the staged copy, one hash seed for every rank.
// User settings are respected;
// those that point at a shared file system become warnings for the report.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "launch/child_environment.h"
#include "launch/home_mapping.h"
#include "launch/node_caches.h"
#include "launch/staged_python.h"

namespace pybcast {

struct LaunchEnvironment {
  std::vector<std::pair<std::string, std::string>> set;  ///< in order
  std::vector<std::string> warnings;                     ///< for the report
  std::vector<std::string> notices;                      ///< for rank 0's stderr, always
  std::vector<PathMapping> mappings;                     ///< PYTHONHOME, PYTHONPATH into the staged copy
  std::vector<CacheRedirect> caches;                     ///< runtime caches pointed at the node
  /// For the interpreter only: the user's values, given back before the
  /// user's code runs (child_environment.h).
  std::vector<UserValue> for_children;
};

struct EnvironmentInputs {
  StagedPython python;
  std::string pycache_dir;  ///< node-local directory for PYTHONPYCACHEPREFIX ("": none, a mounted image)
  std::string hash_seed;    ///< agreed by all ranks; used unless the user set one
  std::string script;       ///< the script being run, if any (for warnings)
  /// Reads the current environment (a seam for tests).
  std::function<const char*(const char*)> getenv;
  /// Node-local directory of the runtime caches (<user root>/caches); "" leaves them alone.
  std::string caches_dir = "";
  /// Whether a PYTHONPATH entry's staged counterpart exists (a seam for tests; default: the file system).
  PathExists exists = nullptr;
};

LaunchEnvironment python_environment(const EnvironmentInputs& in);

/// For bundles without a Python (an MPI application and its libraries): the
/// staged bin first on PATH, the staged lib (and lib64, if present) first on
/// LD_LIBRARY_PATH.
LaunchEnvironment prefix_environment(const std::string& prefix, const std::function<const char*(const char*)>& getenv);

/// "# mapped: ..." comment lines for the mappings, then "export NAME='value'"
/// lines, safe for eval in sh.
std::string format_exports(const LaunchEnvironment& env);
/// setenv(3) every variable.
void apply_environment(const LaunchEnvironment& env);

}  // namespace pybcast
