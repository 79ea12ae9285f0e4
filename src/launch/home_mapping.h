#pragma once
// PYTHONHOME and PYTHONPATH as a site's `module load python` sets them: the
// original installation on the shared file system. A path that names (or
// lies under) the original prefix of a staged bundle (its manifest's
// layout.source_prefix) is mapped to the same relative path in the staged
// copy, where that path exists there; a PYTHONHOME under CHROOT keeps the
// seed's mapping; any other PYTHONHOME outside the stage is replaced by the
// staged home ("python-mpi resets PYTHONHOME into the chroot"), unless the
// user asked to keep it. Pure functions: the file system is asked through
// the callbacks.
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

/// One variable (or list entry) changed on the way into the staged copy.
struct PathMapping {
  std::string variable;  ///< "PYTHONHOME" or "PYTHONPATH"
  std::string from, to;
  bool replaced = false;  ///< PYTHONHOME outside the stage, replaced by the staged home (not a mapping)

  /// "PYTHONHOME /usr -> /dev/shm/.../cache/<key>", with "(replaced: ...)" when replaced.
  std::string describe() const;
};

using PathExists = std::function<bool(const std::string&)>;

/// `path` (absolute) equal to or under one of `source_prefixes` (the longest
/// that matches): the same relative path under `staged_prefix`, if `exists`
/// says it is there; nullopt otherwise.
std::optional<std::string> map_to_staged(const std::string& path, const std::vector<std::string>& source_prefixes,
                                         const std::string& staged_prefix, const PathExists& exists);

struct PythonPathResult {
  std::string value;                  ///< the new PYTHONPATH (entries in their order, empty ones kept)
  std::vector<PathMapping> mappings;  ///< the entries that were mapped (or, with keep, would have been)
};

/// Maps each entry of a PYTHONPATH value with map_to_staged. With `keep`,
/// nothing changes, but `mappings` lists what would have been mapped (for the
/// warning).
PythonPathResult map_python_path(const std::string& value, const std::vector<std::string>& source_prefixes,
                                 const std::string& staged_prefix, const PathExists& exists, bool keep);

enum class HomeChoice {
  kStaged,        ///< PYTHONHOME unset: the staged home
  kUnderChroot,   ///< the seed's rule: under CHROOT, mapped to the same relative path in the prefix
  kMapped,        ///< under a bundle's source prefix, mapped into the staged copy
  kReplaced,      ///< outside the stage: replaced by the staged home
  kKept,          ///< outside the stage, kept as the user asked (--keep-pythonhome)
  kEarlierStage,  ///< inside an earlier stage's entry (its --print-env): the same home here, mapped
};

struct HomeDecision {
  HomeChoice choice = HomeChoice::kStaged;
  std::string home;  ///< kUnderChroot, kMapped, kEarlierStage: the staged directory; kKept: the user's; else ""
};

struct HomeInputs {
  std::optional<std::string> user_home;      ///< PYTHONHOME, if set and not empty
  std::string chroot;                        ///< the configured node-local root
  std::string staged_prefix;                 ///< the staged merged prefix
  std::vector<std::string> source_prefixes;  ///< of the staged bundles, from their manifests
  PathExists is_home;                        ///< true for a staged directory holding lib/python3.Y/os.py
  bool keep = false;                         ///< --keep-pythonhome / PYBCAST_KEEP_PYTHONHOME=1
};

/// What PYTHONHOME the staged Python gets. A PYTHONHOME of the form
/// prefix:exec_prefix maps only when both parts map to the same staged home.
HomeDecision decide_python_home(const HomeInputs& in);

}  // namespace pybcast
