#pragma once
// The files of the node's runtime caches (<user root>/caches/<name>/...): a
// snapshot when Python starts, another when it ends; what the job gained in
// between is what `--save-caches` harvests and what --report counts.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pybcast {

struct CacheFile {
  std::string path;  ///< "<name>/<path in that cache>", relative to caches/
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  bool executable = false;
};

using CacheSnapshot = std::map<std::string, CacheFile>;  ///< by path

/// The regular files below caches_fd/<name> for each of `names`, walked
/// through directory fds without following a symlink (symlinks, FIFOs and
/// the like are left out: no cache we know writes them). A missing
/// directory holds nothing. Throws Error naming a directory it cannot read.
CacheSnapshot snapshot_caches(int caches_fd, const std::string& caches_path, const std::vector<std::string>& names);

/// The files of `after` that `before` lacks or had with another size, mtime
/// or inode (a cache rewrites through a temporary file and a rename: a new
/// inode), in path order. Pure.
std::vector<CacheFile> gained_files(const CacheSnapshot& before, const CacheSnapshot& after);

/// The cache a file belongs to: the first component of its path.
std::string cache_of(const std::string& path);

}  // namespace pybcast
