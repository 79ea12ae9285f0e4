#pragma once
// Finding the interpreter inside a staged prefix: its home (PYTHONHOME), the
// shared libpython the launcher dlopens, and the path used as argv[0] so that
// sys.executable is node-local. Bundle manifests say where things are; for
// bundles without one (hand-made tars, the seed's) we search.
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

struct StagedPython {
  std::string home;               ///< PYTHONHOME: holds lib/pythonX.Y/os.py
  std::string version;            ///< "3.11"
  std::string libpython;          ///< absolute path of the shared library
  std::string executable;         ///< absolute path used as argv[0]
  std::string user_home_outside;  ///< a PYTHONHOME set outside CHROOT, kept as is
};

struct PythonHomeRequest {
  std::string prefix;                     ///< the staged merged prefix
  std::string chroot;                     ///< the configured node-local root ($CHROOT)
  std::optional<std::string> user_home;   ///< PYTHONHOME from the environment, if set
  std::vector<std::string> bundle_names;  ///< to read their manifests
};

/// Throws Error explaining what is missing and how to pack it.
StagedPython locate_staged_python(const PythonHomeRequest& request);

/// The seed's rule: a PYTHONHOME under CHROOT maps to the same relative path in
/// the prefix; nullopt if `home` is not under `chroot`. Pure.
std::optional<std::string> remap_home_under_chroot(const std::string& home, const std::string& chroot,
                                                   const std::string& prefix);

}  // namespace pybcast
