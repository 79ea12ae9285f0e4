#pragma once
// What the target python says about itself: version, ABI and where its parts
// live. One small embedded script prints JSON; nothing here is guessed from
// path names, so Debian's /usr layout, a ./configure prefix, a venv and a
// conda env are all handled by the same code.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/child_process.h"

namespace pybcast {

struct PythonInfo {
  std::string python;          ///< the command we ran, for messages
  std::string version;         ///< "3.11.2"
  std::string version_short;   ///< "3.11"
  std::string abi;             ///< SOABI, "cpython-311-x86_64-linux-gnu"
  std::string implementation;  ///< "cpython"
  std::string cache_tag;       ///< "cpython-311", names the .pyc files
  std::string executable;      ///< real path of the base interpreter binary
  std::string prefix;          ///< sys.prefix (a venv's own directory in a venv)
  std::string base_prefix;     ///< the interpreter's install prefix
  std::string stdlib;          ///< absolute
  std::string platstdlib;      ///< absolute
  std::string dynload;         ///< absolute lib-dynload directory ("" if none)
  std::string libdir;          ///< LIBDIR
  std::string instsoname;      ///< "libpython3.11.so.1.0"; "" when built without --enable-shared
  /// Site directories, relative to base_prefix, that the interpreter searches
  /// when run from a prefix outside any venv (Debian: local/lib/python3.11/
  /// dist-packages, lib/python3/dist-packages, lib/python3.11/dist-packages).
  std::vector<std::string> site_dirs;
  /// Where bundled distributions go, relative to the prefix
  /// (Debian: lib/python3/dist-packages; elsewhere lib/pythonX.Y/site-packages).
  std::string target_site;
  /// The default install scheme's purelib/platlib, relative to sys.prefix:
  /// where pip --prefix and venvs put distributions.
  std::string install_purelib;
  std::string install_platlib;
  /// The C headers (sysconfig include, platinclude; absolute, "" if absent),
  /// and the real pyconfig.h where include/ holds Debian's multiarch
  /// wrapper ("#include <x86_64-linux-gnu/python3.11/pyconfig.h>").
  std::string include;
  std::string platinclude;
  std::string multiarch_pyconfig;
};

/// Runs `python FLAGS -c SCRIPT` (stdin: options.input) and parses the JSON
/// it prints. Throws Error naming the python when it fails.
nlohmann::json run_python_script(const std::string& python, std::vector<std::string> flags, const char* script,
                                 const ChildOptions& options = {});

/// Runs `python` once. Throws Error naming the python when it does not run,
/// fails, or is not CPython 3.
PythonInfo probe_python(const std::string& python);

/// One installed distribution, as its metadata describes it.
struct DistInfo {
  std::string name;
  std::string version;
  std::string site;                ///< absolute directory holding its metadata
  std::vector<std::string> files;  ///< relative to `site`; may climb out ("../../../bin/x")
  std::string source;              ///< "RECORD", "installed-files.txt", "top_level.txt" or "name"
};

struct DistQuery {
  std::vector<DistInfo> found;
  std::vector<std::string> missing;   ///< names asked for that are not installed
  std::vector<std::string> warnings;  ///< e.g. a dependency that is not installed
  std::vector<std::string> notes;     ///< e.g. an import name taken for the distribution that provides it
};

/// Looks the named distributions (and with `deps` their requirements, whose
/// markers hold for this python) up with importlib.metadata. A name that no
/// distribution has but that is an import package stands for the
/// distributions that install it (h5py -> Debian's h5py.-debian-h5py-serial).
DistQuery find_distributions(const std::string& python, const std::vector<std::string>& names, bool deps);

/// A source file and where its unchecked-hash .pyc goes.
struct CompileJob {
  std::string source;  ///< absolute path of the .py file
  std::string output;  ///< absolute path of the .pyc to write
  std::string shown;   ///< member name, recorded as the code's file name
};

/// Compiles with the target python in `jobs` parallel processes; returns
/// "member: reason" for each file that does not compile.
std::vector<std::string> compile_bytecode(const std::string& python, const std::vector<CompileJob>& files, int jobs);

}  // namespace pybcast
