#pragma once
// What sits at an image mount point in cache/ (cache/<key> or a further
// slot, cache/<key>.<n>): nothing, a live FUSE mount, or a dead one whose
// server is gone (every access fails with ENOTCONN until it is unmounted).
// stage/image_mount mounts; gc and the next mount clear dead ones.
#include <sys/types.h>

#include <string>

namespace pybcast {

enum class MountState { kNone, kLive, kDead };

/// The state of cache/`name`; `cache_dev` is the device of cache/ itself.
MountState mount_state(int cache_fd, const std::string& name, dev_t cache_dev);

/// Lazily unmounts `mountpoint` (fusermount3 -u -z, which an unprivileged
/// user may run on their own FUSE mounts); quiet if nothing is mounted there.
/// `fusermount3`: the program, as a path or searched on PATH.
void lazy_unmount(const std::string& mountpoint, const std::string& fusermount3 = "fusermount3");

}  // namespace pybcast
