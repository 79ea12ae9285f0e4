#pragma once
// What kind of file system a path lives on, from statfs(2)'s magic number:
// the basis of "this sits on a shared/slow file system" warnings (launcher
// report, `pybcast doctor`).
#include <cstdint>
#include <functional>
#include <string>

namespace pybcast {

struct FsKind {
  std::string name;     ///< "lustre", "nfs", "tmpfs", ... or "unknown (0x...)"
  bool shared = false;  ///< network/parallel file system: metadata ops cost a server round trip
  bool exists = true;   ///< false when the path (and every parent) is missing
};

/// Classifies a statfs f_type value.
FsKind classify_fs_magic(int64_t magic);

/// statfs of `path`, or of its nearest existing parent. Tests replace the
/// statfs call through `statfs_seam` (returns false if the path is missing).
FsKind probe_fs(const std::string& path);
extern std::function<bool(const std::string& path, int64_t& magic)> statfs_seam;

}  // namespace pybcast
