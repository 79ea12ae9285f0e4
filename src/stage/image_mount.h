#pragma once
// A job step's read-only mount of an image entry at the entry's prefix path
// (cache/<key>), so that sys.prefix and every path look as with an extracted
// entry. The server is Debian's squashfuse_ll, run in the foreground as a
// child of the node leader that dies with it (PR_SET_PDEATHSIG: SIGKILL),
// mounted with `-o auto_unmount`: fusermount3 then unmounts as soon as the
// server is gone, however the step ended (SIGKILL included). Under Slurm the
// step's processes are killed at its end, the server with them; nothing is
// left behind and the image stays in the cache for the next step.
#include <memory>
#include <optional>
#include <string>

namespace pybcast {

class SpawnedChild;

/// Why this node cannot mount images, in one line; nullopt if it can:
/// /dev/fuse cannot be opened read-write, or fusermount3 or squashfuse_ll is
/// not on PATH. PYBCAST_TEST_NO_FUSE=1 pretends it cannot (tests).
std::optional<std::string> fuse_unavailable();

class ImageMount {
 public:
  /// Mounts `image` at `cache_fd`/`key` (shown as `mountpoint`), creating the
  /// directory if needed, and waits until the mount answers. Throws Error: the
  /// mount point is in use by another job step on this node, or the server
  /// failed (its message).
  ImageMount(const std::string& image, int cache_fd, const std::string& key, const std::string& mountpoint);
  /// Unmounts (fusermount3 -u) and stops the server.
  ~ImageMount();
  ImageMount(const ImageMount&) = delete;
  ImageMount& operator=(const ImageMount&) = delete;

  double seconds() const { return seconds_; }  ///< from start to the first answer

 private:
  std::string mountpoint_;
  std::unique_ptr<SpawnedChild> server_;
  double seconds_ = 0;
};

}  // namespace pybcast
