#pragma once
// A job step's read-only mount of an image entry at the entry's prefix path
// (cache/<key>), so that sys.prefix and every path look as with an extracted
// entry. The server is ours, pybcast-image-server (src/image_server/: tuned
// for a tree that never changes), installed in lib/pybcast/ beside the
// binaries, else Debian's squashfuse_ll; run in the foreground as a child of
// the node leader, in a session of its own (a launcher killing the
// job's process group must not kill it before it has unmounted), sent
// SIGTERM when the leader dies however it dies (PR_SET_PDEATHSIG): it then
// unmounts itself. `-o auto_unmount` is the second line: fusermount3 unmounts
// as soon as the server is gone, SIGKILL included. Under Slurm the step's
// processes get SIGTERM at its end, the server with them; nothing is left
// behind and the image stays in the cache for the next step.
//
// Each step has its own mount: a step that starts while another on the node
// still mounts the same image takes the next slot, cache/<key>.<n>
// (cache/node_layout.h), whose path is then its prefix. A shared mount would
// vanish with the step that made it (Slurm kills a step's processes at its
// end) under the feet of the other.
#include <memory>
#include <optional>
#include <string>

#include "util/io.h"

namespace pybcast {

class SpawnedChild;
class ImageMount;
class StageCache;

/// Why this node cannot mount images, in one line; nullopt if it can:
/// /dev/fuse cannot be opened read-write, fusermount3 is not on PATH, or
/// there is no server (image_server()). PYBCAST_TEST_NO_FUSE=1 pretends it cannot (tests).
std::optional<std::string> fuse_unavailable();

/// Our server, ../lib/pybcast/pybcast-image-server from this executable, if
/// it is there; else "" (squashfuse_ll serves). PYBCAST_TEST_IMAGE_SERVER=
/// squashfuse_ll chooses squashfuse_ll (benchmarks and tests compare them).
std::string image_server();

/// Every rank of a node runs code mapped from its node's image mount (libpython,
/// extension modules) until its process is gone, exit-time destructors
/// included (torch's run from the mount then); a page not yet read faults with
/// SIGBUS once the mount is gone. So each rank holds a shared flock on
/// locks/<slot>.users from staging to its death (the kernel drops it after
/// the process's memory: forked children keep it too), and the node leader,
/// whose own death ends the mount, waits for the others first.
class MountUsers {
 public:
  /// Joins (LOCK_SH) the users of the mount at cache/<name> in `user_root`.
  MountUsers(const std::string& user_root, const std::string& name);
  /// Leaders: waits until every other user is gone (LOCK_EX), at most
  /// `timeout_seconds` (a process the job left behind must not hold the job).
  /// False on timeout.
  bool wait_for_others(double timeout_seconds);

 private:
  io::Fd fd_;
};

/// Keeps `mount` (its server) for the rest of this process: it ends when the
/// process does, after its memory is gone (PR_SET_PDEATHSIG), never before an
/// exit-time destructor that runs code from it.
void keep_mounted_until_exit(std::shared_ptr<ImageMount> mount);

class ImageMount {
 public:
  /// Mounts `image` at the first free slot of `key` in `cache` (creating the
  /// directory if needed; a dead mount of a killed step is cleared first)
  /// and waits until the mount answers. Throws Error: every slot is in use,
  /// or the server failed (its message).
  ImageMount(const std::string& image, const StageCache& cache, const std::string& key);
  /// Unmounts (fusermount3 -u), stops the server, removes a slot's directory.
  ~ImageMount();
  ImageMount(const ImageMount&) = delete;
  ImageMount& operator=(const ImageMount&) = delete;

  const std::string& name() const { return name_; }                      ///< "<key>" or "<key>.<n>", in cache/
  const std::string& mountpoint() const { return mountpoint_; }          ///< the prefix
  const std::string& server_name() const { return server_name_; }        ///< pybcast-image-server or squashfuse_ll
  double seconds() const { return seconds_; }                            ///< from start to the first answer
  double first_access_seconds() const { return first_access_seconds_; }  ///< listing its root, then

 private:
  io::Fd cache_dir_;        ///< cache/, ours: the StageCache that gave it may be gone by our end
  std::string fusermount_;  ///< resolved at mount time: PATH then becomes the staged Python's
  std::string name_;
  std::string mountpoint_;
  std::string server_name_;
  std::unique_ptr<SpawnedChild> server_;
  double seconds_ = 0;
  double first_access_seconds_ = 0;
};

}  // namespace pybcast
