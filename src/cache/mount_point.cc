#include "cache/mount_point.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>

#include "util/child_process.h"

namespace pybcast {

MountState mount_state(int cache_fd, const std::string& name, dev_t cache_dev) {
  // Forced: the kernel may answer a dead mount's root from its attribute
  // cache; only a request to the (gone) server says ENOTCONN.
  struct statx st {};
  if (::statx(cache_fd, name.c_str(), AT_SYMLINK_NOFOLLOW | AT_STATX_FORCE_SYNC, STATX_TYPE, &st) != 0)
    return errno == ENOTCONN ? MountState::kDead : MountState::kNone;
  return ::makedev(st.stx_dev_major, st.stx_dev_minor) != cache_dev ? MountState::kLive : MountState::kNone;
}

void lazy_unmount(const std::string& mountpoint, const std::string& fusermount3) {
  run_child({fusermount3, "-u", "-z", "-q", mountpoint});
}

}  // namespace pybcast
