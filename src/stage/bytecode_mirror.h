#pragma once
// With PYTHONPYCACHEPREFIX set (python-mpi sets it, so that no rank writes
// bytecode next to modules on the shared file system), CPython reads .pyc
// only from that mirror tree: <prefix>/<absolute source dir>/<name>.<tag>.pyc,
// with no __pycache__ level, never from __pycache__ next to the source. So
// that the bytecode the bundles carry is used and a cold node compiles
// nothing, each staged <dir>/__pycache__/<name>.pyc gets a hard link where the
// mirror expects it, for the entry's final path.
#include <string>
#include <vector>

namespace pybcast {

/// Links each member "<dir>/__pycache__/<name>.pyc" of the tree at entry_fd
/// to mirror_fd/<dir>/<name>.pyc. Members that are no longer regular files
/// reached without a symlink (a later bundle replaced them) are skipped, and
/// so are names already in the mirror. Returns how many were linked; throws
/// Error when the mirror cannot be written.
size_t link_bytecode_mirror(int entry_fd, const std::vector<std::string>& members, int mirror_fd,
                            const std::string& shown);

}  // namespace pybcast
