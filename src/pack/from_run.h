#pragma once
// `pack --from-run`, second half: from what a traced run touched to bundle
// members, laid out where the target interpreter finds them, and a report of
// what stays outside the bundle. The NERSC-era trick of shipping "every .so
// strace saw", automated, for modules and data files too.
#include <string>
#include <vector>

#include "pack/from_run_trace.h"
#include "tree/python_probe.h"

namespace pybcast {

/// Why a touched file is or is not in the bundle.
enum class Touched {
  site,  ///< a module file of a sys.path directory (site, PYTHONPATH, user base), or a file in its packages: packed
  interpreter,     ///< python itself (stdlib, lib-dynload, libpython, the binary): packed with --with-python
  library,         ///< a mapped shared object outside the system directories: packed under lib/
  system_library,  ///< from the node's own system library directories: left out
  script,          ///< the script, and what the run imported from the script's directory: left out
  other,           ///< any other file the run read (input data, /etc, ...): left out
};

struct Placement {
  std::string path;  ///< absolute, as the run saw it
  Touched kind = Touched::other;
  std::string member;  ///< where it goes in the bundle; "" when it stays out
  std::string group;   ///< report line it is counted in
};

/// Decides, for every file of `trace` (not /proc, /sys, /dev or bytecode),
/// where it goes, from paths alone. Only module files of the target's
/// sys.path, and files in its packages, go to a site directory. Library members are placed as
/// lib/<file name>; the caller places them by their soname.
std::vector<Placement> plan_from_run(const RunTrace& trace, const PythonInfo& info,
                                     const std::vector<std::string>& system_dirs, bool with_python);

const char* touched_name(Touched kind);

}  // namespace pybcast
