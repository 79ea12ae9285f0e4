#pragma once
// A caches bundle staged like any bundle (its files under the entry's
// .pybcast/bundles/<bundle>/caches/<name>/) is copied into the node's
// writable caches (<user root>/caches/<name>/), where the tools read and
// grow them during the job. The entry itself stays read-only and checkable.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace pybcast {

struct InstalledCache {
  std::string name;  ///< "numba"
  uint64_t files = 0;
  uint64_t bytes = 0;
};

struct InstallResult {
  std::vector<InstalledCache> caches;  ///< in name order; files 0 when already installed
  bool already = false;                ///< this node installed this entry's bundle before: nothing copied
};

/// Copies bundle `bundle`'s caches out of the staged entry `prefix` (entry
/// `key`) into caches_fd (<user root>/caches, `caches_path` in messages):
/// only the caches named in `wanted`, each file into a temporary name beside
/// its place, then renamed over it (the tools' own way: a reader sees the
/// old file or the new one), directories 0700. Only regular files and
/// directories are copied, nothing is followed. Done once per node for a
/// given (key, bundle): a marker in caches/ remembers it, so a later step
/// does not put back what the job before it rewrote. Throws Error naming
/// the file.
InstallResult install_caches(const std::string& prefix, const std::string& key, const std::string& bundle,
                             int caches_fd, const std::string& caches_path, const std::set<std::string>& wanted);

}  // namespace pybcast
