#pragma once
// Whether a caches bundle can be valid in this job. Every cache we carry
// is keyed by the Python version (Numba's file names carry "py311", Inductor
// and Triton hash it) and holds machine code or data of one architecture;
// some also by the version of the tool that wrote it. What we can tell from
// the bundle's manifest and the staged tree, we check here; what we cannot,
// the tool itself checks when it loads an entry (Numba compares its own
// version and the CPU name of each entry and recompiles on a mismatch;
// Triton and Inductor key entries by content hashes that include the
// versions; matplotlib's font cache names its own version): then a stale
// entry costs a recompile, never a wrong result.
#include <map>
#include <string>
#include <vector>

#include "bundle/manifest.h"

namespace pybcast {

/// The distributions a runtime cache's entries depend on, by its name under
/// caches/ ("numba" -> numba, llvmlite); empty for "xdg" (many users).
const std::vector<std::string>& cache_distributions(const std::string& cache_name);

/// name -> version of every distribution cache_distributions() names that is
/// installed in the staged tree `prefix`: *.dist-info and *.egg-info in its
/// site directories (lib/python3*/site-packages, lib/python3/dist-packages,
/// and the same under venv/ and local/). Names lowercased, '_' as '-'.
std::map<std::string, std::string> cache_tool_versions(const std::string& prefix);

struct CachesVerdict {
  /// Why nothing of the bundle is used ("made for Python 3.10, this job runs
  /// 3.11"); empty when some of it is.
  std::string refused;
  /// The caches left out, each with why ("numba: made with numba 0.55.1, this job has 0.56.4").
  std::map<std::string, std::string> skipped;
};

/// Compares a caches bundle's manifest with this job: `python_version`
/// ("3.11.2": major.minor must match), `machine` (uname -m) and the tool
/// versions found in the staged tree (a version either side lacks is not
/// compared: the tool checks its own entries). Pure.
CachesVerdict judge_caches(const Manifest& manifest, const std::string& python_version, const std::string& machine,
                           const std::map<std::string, std::string>& versions_here);

/// uname -m.
std::string this_machine();

}  // namespace pybcast
