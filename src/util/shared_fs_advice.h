#pragma once
// What to change when a place a Python start-up reads from sits on a shared
// file system: `pybcast doctor` and the launcher's warnings word it the same.
#include <string>

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
  kScript
};

/// "PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONUSERBASE", "PYTHONHOME",
/// "python", "sys.path", "cwd", "script": the names the JSON output uses.
const char* source_name(Source source);

/// What to change when a location of `source` sits on a shared file system.
/// (doctor gives sys.path entries advice by what they belong to: sys_path_advice.)
std::string advice_for(Source source);

/// The launcher's report line: "<what> <path> is on <fs> (shared): <advice>",
/// or "" when `path` is not on a shared file system.
std::string shared_warning(Source source, const std::string& path);

}  // namespace pybcast
