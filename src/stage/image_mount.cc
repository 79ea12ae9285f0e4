#include "stage/image_mount.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "util/child_process.h"
#include "util/error.h"
#include "util/interrupt.h"
#include "util/io.h"
#include "util/spawned_child.h"
#include "util/timer.h"

namespace pybcast {

namespace {

constexpr double kMountTimeoutSeconds = 30;

std::string path_variable() {
  const char* path = std::getenv("PATH");
  return path ? path : "";
}

/// 0: nothing mounted at cache/<key>; 1: a live mount; -1: a dead one (its server gone, ENOTCONN).
int mount_state(int cache_fd, const std::string& key, dev_t cache_dev) {
  struct stat st {};
  if (::fstatat(cache_fd, key.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOTCONN ? -1 : 0;
  return st.st_dev != cache_dev ? 1 : 0;
}

void lazy_unmount(const std::string& mountpoint) { run_child({"fusermount3", "-u", "-z", "-q", mountpoint}); }

}  // namespace

std::optional<std::string> fuse_unavailable() {
  const char* seam = std::getenv("PYBCAST_TEST_NO_FUSE");
  if (seam != nullptr && std::string_view(seam) == "1") return "PYBCAST_TEST_NO_FUSE=1";
  int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot open /dev/fuse: {}", std::strerror(errno));
  ::close(fd);
  std::string path = path_variable();
  if (find_program("fusermount3", path).empty()) return "fusermount3 is not on PATH (Debian: fuse3)";
  if (find_program("squashfuse_ll", path).empty()) return "squashfuse_ll is not on PATH (Debian: squashfuse)";
  return std::nullopt;
}

ImageMount::ImageMount(const std::string& image, int cache_fd, const std::string& key, const std::string& mountpoint)
    : mountpoint_(mountpoint) {
  Stopwatch clock;
  dev_t cache_dev = io::fstat(cache_fd, mountpoint).st_dev;
  int state = mount_state(cache_fd, key, cache_dev);
  if (state < 0) {  // a killed step's mount that fusermount3 has not removed yet
    lazy_unmount(mountpoint);
    state = mount_state(cache_fd, key, cache_dev);
  }
  if (state != 0)
    fail(
        "{} is mounted by another job step on this node: two steps using one image bundle on a node at once are "
        "not supported yet; run them one after the other, or stage the tar bundles",
        mountpoint);
  if (::mkdirat(cache_fd, key.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir " + mountpoint, errno);
  struct stat st {};
  if (!io::lstatat(cache_fd, key, st, mountpoint) || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
    fail("{} is not a directory of ours; refusing to mount there", mountpoint);
  server_ = std::make_unique<SpawnedChild>(
      std::vector<std::string>{"squashfuse_ll", "-f", "-o", "ro,auto_unmount", image, mountpoint},
      SpawnOptions{SpawnOptions::Pipe::kNone, true, true});
  for (;;) {
    if (std::optional<SpawnedExit> exit = server_->poll())
      fail("cannot mount {} at {}: {}", image, mountpoint, describe_exit("squashfuse_ll", *exit));
    if (mount_state(cache_fd, key, cache_dev) > 0) break;
    if (clock.seconds() > kMountTimeoutSeconds)
      fail("cannot mount {} at {}: squashfuse_ll did not answer within {:.0f} s", image, mountpoint,
           kMountTimeoutSeconds);
    throw_if_interrupted();
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  seconds_ = clock.seconds();
}

ImageMount::~ImageMount() {
  try {
    lazy_unmount(mountpoint_);
  } catch (...) {
    // The server's death below unmounts too (auto_unmount).
  }
  server_.reset();
}

}  // namespace pybcast
