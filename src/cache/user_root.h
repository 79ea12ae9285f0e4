#pragma once
// The per-user directory $CHROOT/pybcast-<uid>, on a node-local file system
// that other users share. Created 0700 and checked on the open fd (never the
// path): a directory, not a symlink, owned by us, no group/other access.
#include <string>
#include <vector>

#include "cache/node_layout.h"
#include "util/io.h"

namespace pybcast {

struct UserRoot {
  io::Fd fd;
  std::string path;  ///< absolute, for messages and for the prefix we hand out
};

/// Opens $CHROOT through open_trusted_dir (every ancestor checked, missing
/// ones created), then opens or creates pybcast-<euid> (and vnode-<g> in it)
/// and validates them. Throws Error with the reason.
UserRoot open_user_root(const layout::NodeRoot& where);

/// Where this user has user roots under $CHROOT: pybcast-<uid> and, for
/// virtual-node runs, its vnode-<g>/ (names only: open_user_root checks them).
std::vector<layout::NodeRoot> existing_user_roots(const std::string& chroot);

/// Opens or creates a 0700 subdirectory of an already validated directory,
/// with the same checks. `tighten`: group/other bits on our own directory are
/// removed instead of refused (for directories others may have made for us,
/// like Python's PYTHONPYCACHEPREFIX, created 0755 by older versions).
io::Fd open_private_subdir(int parent_fd, const std::string& name, const std::string& shown, bool tighten = false);

}  // namespace pybcast
