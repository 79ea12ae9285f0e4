#pragma once
// What kind of file system a path lives on, from statfs(2)'s magic number:
// the basis of "this sits on a shared/slow file system" warnings (launcher
// report, `pybcast doctor`). The mount table tells which mount a path that
// may not exist (a failed import lookup) is asked of.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pybcast {

struct FsKind {
  std::string name;     ///< "lustre", "nfs", "tmpfs", ... or "unknown (0x...)"
  bool shared = false;  ///< network/parallel file system: metadata ops cost a server round trip
  bool exists = true;   ///< false when the path is missing (the kind is its nearest existing parent's)
  uint32_t magic = 0;   ///< statfs f_type; 0 when nothing on the way up exists
};

/// Classifies a statfs f_type value.
FsKind classify_fs_magic(int64_t magic);

/// statfs of `path`, or of its nearest existing parent. Tests replace the
/// statfs call through `statfs_seam` (returns false if the path is missing).
FsKind probe_fs(const std::string& path);
extern std::function<bool(const std::string& path, int64_t& magic)> statfs_seam;

struct Mount {
  std::string point;  ///< absolute mount point
  std::string type;   ///< as the kernel names it: "ext4", "fuse.slowfs", "lustre", "nfs4"
};

/// The entries of a /proc/<pid>/mountinfo text, in order (later mounts shadow earlier ones).
std::vector<Mount> parse_mountinfo(const std::string& text);
/// This process's mount table; empty if /proc is not mounted.
std::vector<Mount> read_mounts();
/// The mount `path` (absolute, lexically normal) is resolved on, by longest
/// mount point prefix; nullptr if none matches.
const Mount* find_mount(const std::vector<Mount>& mounts, const std::string& path);

/// `path` made absolute against `cwd` and lexically normalised (no symlinks
/// are followed: the lookups a program asks for are walked as written).
std::string absolute_lexical(const std::string& path, const std::string& cwd);

}  // namespace pybcast
