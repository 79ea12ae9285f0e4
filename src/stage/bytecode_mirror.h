#pragma once
// With PYTHONPYCACHEPREFIX set (python-mpi sets it, so that no rank writes
// bytecode next to modules on the shared file system), CPython reads .pyc
// only from that mirror tree: <prefix>/<absolute source dir>/<name>.<tag>.pyc,
// with no __pycache__ level, never from __pycache__ next to the source. So
// that the bytecode the bundles carry is used and a cold node compiles
// nothing, each staged <dir>/__pycache__/<name>.pyc gets a hard link where the
// mirror expects it, for the entry's final path.
//
// The mirror is as trustworthy as the entry: published read-only like it
// (CPython runs an unchecked-hash .pyc it finds there without looking at the
// source, so a job that could replace one would change what every later job
// runs), its top directory's inode recorded in the entry's stage record and
// checked on every hit, and each file checked to be the entry's own by
// --verify-cache and `pybcast doctor`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

/// Links each member "<dir>/__pycache__/<name>.pyc" of the tree at entry_fd
/// to mirror_fd/<dir>/<name>.pyc, then makes every directory of the mirror
/// read-only. Members that are no longer regular files reached without a
/// symlink (a later bundle replaced them) are skipped, and so are names
/// already in the mirror. Returns how many were linked; throws Error when
/// the mirror cannot be written.
size_t link_bytecode_mirror(int entry_fd, const std::vector<std::string>& members, int mirror_fd,
                            const std::string& shown);

/// Every hit: nullopt if the mirror (mirror_fd, -1 when absent) is the one
/// staged with the entry, a read-only directory of ours with that inode;
/// else what is wrong with it.
std::optional<std::string> check_mirror_identity(int mirror_fd, uint64_t inode);

struct MirrorCheck {
  uint64_t files = 0;
  uint64_t problem_count = 0;
  std::vector<std::string> problems;  ///< "bytecode mirror: <path>: why", the first few
};

/// --verify-cache and doctor: every file of the mirror is a hard link to the
/// entry's <dir>/__pycache__/<name>, and there are `linked` of them.
MirrorCheck check_mirror_links(int entry_fd, int mirror_fd, uint64_t linked, size_t max_listed);

}  // namespace pybcast
