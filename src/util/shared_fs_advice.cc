#include "util/shared_fs_advice.h"

#include <fmt/format.h>

#include "util/fs_probe.h"

namespace pybcast {

const char* source_name(Source source) {
  switch (source) {
    case Source::kPath: return "PATH";
    case Source::kLdLibraryPath: return "LD_LIBRARY_PATH";
    case Source::kPythonPath: return "PYTHONPATH";
    case Source::kPythonUserBase: return "PYTHONUSERBASE";
    case Source::kPythonHome: return "PYTHONHOME";
    case Source::kPython: return "python";
    case Source::kSysPath: return "sys.path";
    case Source::kCwd: return "cwd";
    case Source::kScript: return "script";
    case Source::kTritonCache: return "TRITON_CACHE_DIR";
    case Source::kInductorCache: return "TORCHINDUCTOR_CACHE_DIR";
    case Source::kNumbaCache: return "NUMBA_CACHE_DIR";
    case Source::kCupyCache: return "CUPY_CACHE_DIR";
    case Source::kMplConfig: return "MPLCONFIGDIR";
    case Source::kXdgCache: return "XDG_CACHE_HOME";
  }
  return "?";
}

std::string advice_for(Source source) {
  switch (source) {
    case Source::kPath:
      return "commands are looked up entry by entry in PATH order: put node-local directories first; python-mpi "
             "puts the staged bin first";
    case Source::kLdLibraryPath:
      return "every process searches it for every shared library: pack the interpreter (`pybcast pack python` takes "
             "its libraries along) and drop this entry for Python jobs";
    case Source::kPythonPath:
      return "every import searches it first: pack what it holds (`pybcast pack dist NAME...` or `pybcast pack dir "
             "DIR`) and run python-mpi without it";
    case Source::kPythonUserBase:
      return "move PYTHONUSERBASE to scratch or node-local storage, or pack it (`pybcast pack dir DIR`) and run "
             "python-mpi";
    case Source::kPythonHome:
      return "the standard library is read from there: pack the interpreter (`pybcast pack python`) and let "
             "python-mpi set PYTHONHOME";
    case Source::kPython:
      return "pack the interpreter (`pybcast pack python`) and start it with python-mpi from the bundles";
    case Source::kSysPath:
      return "pack what it holds (`pybcast pack dir DIR` or `pybcast pack dist NAME...`) and run python-mpi with the "
             "bundles";
    case Source::kCwd:
      return "run from scratch or node-local storage: `python -c` and `-m` search the working directory first for "
             "every import";
    case Source::kScript:
      return "every import searches the script's directory first: copy the script to scratch or node-local storage "
             "and run it from there";
    case Source::kTritonCache:
    case Source::kInductorCache:
    case Source::kNumbaCache:
    case Source::kCupyCache:
    case Source::kMplConfig:
    case Source::kXdgCache:
      return "every rank of every node writes and reads this cache: python-mpi points it at node-local storage (unset "
             "it there), or set it to node-local storage (e.g. /dev/shm or $TMPDIR) for other launchers";
  }
  return "";
}

const std::vector<RuntimeCache>& runtime_caches() {
  static const std::vector<RuntimeCache> caches{
      {Source::kTritonCache, "TRITON_CACHE_DIR", "triton"},
      {Source::kInductorCache, "TORCHINDUCTOR_CACHE_DIR", "torchinductor"},
      {Source::kNumbaCache, "NUMBA_CACHE_DIR", "numba"},
      {Source::kCupyCache, "CUPY_CACHE_DIR", "cupy"},
      {Source::kMplConfig, "MPLCONFIGDIR", "matplotlib"},
      {Source::kXdgCache, "XDG_CACHE_HOME", "xdg"},
  };
  return caches;
}

std::optional<std::string> home_default_of(const RuntimeCache& cache,
                                           const std::function<const char*(const char*)>& getenv) {
  const char* home = getenv("HOME");
  if (home == nullptr || *home == '\0') return std::nullopt;
  auto xdg = [&](const char* variable, const char* fallback) {
    const char* value = getenv(variable);
    return value != nullptr && *value == '/' ? std::string(value) : std::string(home) + fallback;
  };
  switch (cache.source) {
    case Source::kTritonCache: return std::string(home) + "/.triton/cache";
    case Source::kNumbaCache:
      return xdg("XDG_CACHE_HOME", "/.cache") + "/numba";  // after __pycache__ next to the source
    case Source::kCupyCache: return std::string(home) + "/.cupy/kernel_cache";
    case Source::kMplConfig: return xdg("XDG_CONFIG_HOME", "/.config") + "/matplotlib";
    case Source::kXdgCache: return std::string(home) + "/.cache";
    default: return std::nullopt;  // TORCHINDUCTOR_CACHE_DIR: tempfile.gettempdir()/torchinductor_<user>
  }
}

std::string shared_warning(Source source, const std::string& path) {
  FsKind kind = probe_fs(path);
  if (!kind.shared) return "";
  const char* what = source == Source::kPythonPath ? "PYTHONPATH entry"
                     : source == Source::kScript   ? "the script's directory"
                                                   : source_name(source);
  return fmt::format("{} {} is on {} (shared): {}", what, path, kind.name, advice_for(source));
}

}  // namespace pybcast
