#pragma once
// The cache key of an ordered bundle set, derived by rank 0 from what one
// open + fstat per bundle tells: path, size, mtime, ctime and inode.
// A changed bundle (new mtime or size, a new file at the path, or one
// rewritten in place with its mtime restored: `cp -p`, `rsync -t --inplace`,
// coarse NFS mtimes; users cannot set ctime) gives a new key. Not the device
// number: it is the client's, different between nodes and between mounts of
// one Lustre, GPFS or NFS file system, where path, inode and times are the
// server's.
#include <cstdint>
#include <string>
#include <vector>

namespace pybcast {

struct BundleIdentity {
  std::string path;  ///< absolute, as configured (not resolved: no extra metadata ops)
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  int64_t ctime_ns = 0;
  /// A directory staged as it is: the digest of its walk (every entry's path,
  /// type, size, mtime, ctime, inode: tree/live_tree), "" for a bundle file.
  std::string tree;
};

/// 32 hex characters. Stable across runs and machines for the same identities.
std::string derive_cache_key(const std::vector<BundleIdentity>& bundles);

}  // namespace pybcast
