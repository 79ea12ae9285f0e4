#pragma once
// `pybcast doctor`'s survey: every place a Python start-up reads from (the
// entries of PATH, LD_LIBRARY_PATH, PYTHONPATH, PYTHONUSERBASE, PYTHONHOME,
// the interpreter's sys.path, the working directory, the script, the runtime
// caches such as TRITON_CACHE_DIR), the file system each sits on, and what to
// change where that file system is shared.
// The launcher's warnings use the same wording (util/shared_fs_advice).
#include <functional>
#include <string>
#include <vector>

#include "util/fs_probe.h"
#include "util/shared_fs_advice.h"

namespace pybcast {

/// What a python says about itself, asked by running it once.
struct PythonFacts {
  std::string command;     ///< as given (--python, default "python3")
  std::string executable;  ///< sys.executable
  std::string version;     ///< "3.11.2"
  std::string prefix;      ///< sys.prefix (a venv's directory in a venv)
  std::string base_prefix;
  std::string user_site;          ///< site.getusersitepackages(), "" when user site is off
  std::vector<std::string> path;  ///< sys.path as `python -c` sees it ('' = the working directory)
  std::string error;              ///< why it could not be asked; then the rest is empty
};

/// Runs `python` once with a tiny script; a python that does not run gives `error`, no throw.
PythonFacts ask_python(const std::string& python);

/// One checked place.
struct Location {
  Source source = Source::kPath;
  size_t index = 0;   ///< position in its list (PATH, sys.path, ...); 0 for single values
  std::string path;   ///< absolute, as the program will ask for it
  FsKind fs;          ///< statfs of the path or, when missing, of its nearest existing parent
  std::string mount;  ///< the mount point it is on ("" when the mount table is unknown)
  std::string mount_type;
  std::string advice;  ///< what to change; "" when the file system is not shared
};

struct CheckupInputs {
  std::function<const char*(const char*)> getenv;  ///< the environment (a seam for tests)
  std::string cwd;                                 ///< absolute working directory
  std::string script;                              ///< "" when none was given
  const PythonFacts* python = nullptr;             ///< nullptr or error: sys.path is not checked
  std::vector<Mount> mounts;                       ///< from read_mounts(), or fakes
};

/// Every location, in the order PATH, LD_LIBRARY_PATH, PYTHONPATH,
/// PYTHONUSERBASE, PYTHONHOME, python, sys.path (but '' and entries already
/// listed under PYTHONPATH), cwd, script, then the runtime caches
/// (TRITON_CACHE_DIR, ...: each that is set, and each unset one whose
/// default under $HOME is shared); each classified with probe_fs.
std::vector<Location> check_locations(const CheckupInputs& in);

/// Advice for a sys.path entry: the interpreter's own tree, a venv/conda
/// env, the user site (~/.local), or something added by .pth files.
std::string sys_path_advice(const std::string& entry, const PythonFacts& python);

}  // namespace pybcast
