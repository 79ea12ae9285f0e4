#pragma once
// Finding the interpreter inside a staged prefix: its home (PYTHONHOME), the
// shared libpython the launcher dlopens, and the path used as argv[0] so that
// sys.executable is node-local. Bundle manifests say where things are; for
// bundles without one (hand-made tars, the seed's) we search.
#include <optional>
#include <string>
#include <vector>

#include "launch/home_mapping.h"

namespace pybcast {

struct StagedPython {
  std::string home;                               ///< PYTHONHOME: holds lib/pythonX.Y/os.py
  std::string version;                            ///< "3.11"
  std::string libpython;                          ///< absolute path of the shared library
  std::string executable;                         ///< absolute path used as argv[0]
  std::string user_home_outside;                  ///< a PYTHONHOME outside the stage, kept as the user asked
  std::string prefix = {};                        ///< the staged merged prefix
  std::vector<std::string> source_prefixes = {};  ///< the bundles' original prefixes (for PYTHONPATH)
  bool keep_user_env = false;                     ///< --keep-pythonhome: PYTHONHOME and PYTHONPATH as set
  std::vector<PathMapping> mappings = {};         ///< what PYTHONHOME became, when the user set it
  std::vector<std::string> notices = {};          ///< one-line warnings for rank 0's stderr
};

struct PythonHomeRequest {
  std::string prefix;                     ///< the staged merged prefix
  std::string chroot;                     ///< the configured node-local root ($CHROOT)
  std::optional<std::string> user_home;   ///< PYTHONHOME from the environment, if set
  std::vector<std::string> bundle_names;  ///< to read their manifests
  bool keep_user_home = false;            ///< --keep-pythonhome / PYBCAST_KEEP_PYTHONHOME=1
};

/// Throws Error explaining what is missing and how to pack it.
StagedPython locate_staged_python(const PythonHomeRequest& request);

/// True when the staged prefix holds a Python standard library
/// (lib/python3.Y/os.py at its top or one level down).
bool holds_python(const std::string& prefix);

/// The seed's rule: a PYTHONHOME under CHROOT maps to the same relative path in
/// the prefix; nullopt if `home` is not under `chroot`. Pure.
std::optional<std::string> remap_home_under_chroot(const std::string& home, const std::string& chroot,
                                                   const std::string& prefix);

}  // namespace pybcast
