#pragma once
// The environment Python starts with under the launcher (and what
// `pybcast stage --print-env` prints for the two-step workflow): staged
// PYTHONHOME, PATH and LD_LIBRARY_PATH first, bytecode kept off the shared
// file system, one hash seed for every rank. User settings are respected;
// those that point at a shared file system become warnings for the report.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "launch/staged_python.h"

namespace pybcast {

struct LaunchEnvironment {
  std::vector<std::pair<std::string, std::string>> set;  ///< in order
  std::vector<std::string> warnings;
};

struct EnvironmentInputs {
  StagedPython python;
  std::string pycache_dir;  ///< node-local directory for PYTHONPYCACHEPREFIX
  std::string hash_seed;    ///< agreed by all ranks; used unless the user set one
  std::string script;       ///< the script being run, if any (for warnings)
  /// Reads the current environment (a seam for tests).
  std::function<const char*(const char*)> getenv;
};

LaunchEnvironment python_environment(const EnvironmentInputs& in);

/// "export NAME='value'" lines, safe for eval in sh.
std::string format_exports(const LaunchEnvironment& env);
/// setenv(3) every variable.
void apply_environment(const LaunchEnvironment& env);

}  // namespace pybcast
