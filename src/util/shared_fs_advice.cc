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
  }
  return "";
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
