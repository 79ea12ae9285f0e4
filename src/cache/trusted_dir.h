#pragma once
// A directory that is used by path later (PYTHONHOME, dlopen, every import of
// the launched Python, a second job step) must be a path no other user can
// redirect. Checking the last directory on its fd is not enough: whoever can
// rename an ancestor can put a tree of theirs in its place. So every
// component from / down is checked: directories owned by root or by us, and
// group/other-writable only when sticky (like /tmp and /dev/shm); symlinks
// owned by root or by us, and their targets checked the same way.
#include <string>

#include "util/io.h"

namespace pybcast {

/// Opens the directory `path` (absolute, or relative to the working
/// directory), creating missing components 0755 (like mkdir -p), after
/// checking every component as above. `..` in `path` is resolved lexically
/// first, as the shell's `cd` does ("a/../b" is "b"; "a" is not made). Throws
/// Error naming the component and why it cannot be trusted.
io::Fd open_trusted_dir(const std::string& path);

}  // namespace pybcast
