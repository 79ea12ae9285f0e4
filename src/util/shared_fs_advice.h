#pragma once
// What to change when a place a Python start-up reads from sits on a shared
// file system: `pybcast doctor` and the launcher's warnings word it the same.
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

/// The places a Python start-up reads from.
enum class Source {
  kPath,
  kLdLibraryPath,
  kPythonPath,
  kPythonUserBase,
  kPythonHome,
  kPython,
  kSysPath,
  kCwd,
  kScript,
  kTritonCache,
  kInductorCache,
  kNumbaCache,
  kCupyCache,
  kMplConfig,
  kXdgCache
};

/// "PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONUSERBASE", "PYTHONHOME",
/// "python", "sys.path", "cwd", "script", and the runtime caches' variable
/// names ("TRITON_CACHE_DIR", ...): the names the JSON output uses.
const char* source_name(Source source);

/// What to change when a location of `source` sits on a shared file system.
/// (doctor gives sys.path entries advice by what they belong to: sys_path_advice.)
std::string advice_for(Source source);

/// The launcher's report line: "<what> <path> is on <fs> (shared): <advice>",
/// or "" when `path` is not on a shared file system.
std::string shared_warning(Source source, const std::string& path);

/// A runtime cache a Python tool writes at run time, by default under $HOME
/// (the shared file system), where the ranks of a multi-node job race on it.
/// python-mpi and `stage --print-env` point each one the user has not set at
/// <user root>/caches/<dir> on the node; `pybcast doctor` checks where it is.
struct RuntimeCache {
  Source source;
  const char* variable;  ///< "TRITON_CACHE_DIR"
  const char* dir;       ///< its directory's name under caches/
};

/// Every runtime cache, in a fixed order.
const std::vector<RuntimeCache>& runtime_caches();

/// Where the tool writes when `cache.variable` is unset, if that is under
/// $HOME (nullopt when HOME is unset or the default lies elsewhere, as
/// Inductor's in the temporary directory does).
std::optional<std::string> home_default_of(const RuntimeCache& cache,
                                           const std::function<const char*(const char*)>& getenv);

}  // namespace pybcast
