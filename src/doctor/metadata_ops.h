#pragma once
// `pybcast doctor --measure CODE`: run the python once on CODE and count the
// file metadata operations it makes (stat, open, readlink, access, ... of a
// path, found or not) per file system. With strace they are counted, every
// one; without it they are estimated from what the import system loaded.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "util/fs_probe.h"

namespace pybcast {

/// One (or, for estimates, `count`) system call naming `path`.
struct OpRecord {
  std::string path;  ///< absolute, as asked (not resolved)
  std::string call;  ///< "newfstatat", "openat", ...; estimates: "stat", "open", "listdir"
  uint64_t count = 1;
  bool enoent = false;  ///< failed with ENOENT: a lookup of a name that is not there
};

/// The operations that reached one mount.
struct FsOps {
  std::string mount;
  std::string mount_type;
  FsKind fs;  ///< statfs of the mount point
  uint64_t ops = 0;
  uint64_t enoent = 0;
  std::map<std::string, uint64_t> calls;
};

struct Measurement {
  std::string code;
  std::string method;   ///< "strace" (counted) or "estimate"
  std::string note;     ///< how the estimate was made, or why strace was not used; "" for strace
  int exit_status = 0;  ///< the python's
  std::string error;    ///< the last line of its stderr when it failed
  uint64_t total_ops = 0;
  uint64_t shared_ops = 0;
  std::vector<FsOps> filesystems;  ///< most operations first
};

/// Records of an `strace -f -y -o LOG` log. Relative paths are joined with
/// the directory strace shows for their dirfd (AT_FDCWD</dir>), else `cwd`;
/// fd-only calls (fstat) count on the fd's file. getcwd is not a lookup and is
/// left out, as are signal and exit lines.
std::vector<OpRecord> parse_strace_log(const std::string& log, const std::string& cwd);

/// Groups records by the mount their path is looked up on (existing parent
/// directories resolved, so a symlinked /home counts where it leads) and
/// classifies each mount with probe_fs of its mount point.
std::vector<FsOps> attribute_ops(const std::vector<OpRecord>& records, const std::vector<Mount>& mounts);

/// Runs `python -c code` once in `cwd` (under strace when `strace` is not
/// empty and works) and attributes its operations. Throws Error when the
/// python cannot be started at all.
Measurement measure_metadata_ops(const std::string& python, const std::string& code, const std::string& strace,
                                 const std::vector<Mount>& mounts, const std::string& cwd);

}  // namespace pybcast
