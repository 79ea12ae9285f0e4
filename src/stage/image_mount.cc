#include "stage/image_mount.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "cache/mount_point.h"
#include "cache/stage_cache.h"
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

}  // namespace

std::string image_server() {
  const char* forced = std::getenv("PYBCAST_TEST_IMAGE_SERVER");  // benchmarks and tests compare the two
  if (forced != nullptr && std::string_view(forced) == "squashfuse_ll") return "";
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  std::filesystem::path server = exe.parent_path().parent_path() / "lib" / "pybcast" / "pybcast-image-server";
  return ::access(server.c_str(), X_OK) == 0 ? server.string() : "";
}

std::optional<std::string> fuse_unavailable() {
  const char* seam = std::getenv("PYBCAST_TEST_NO_FUSE");
  if (seam != nullptr && std::string_view(seam) == "1") return "PYBCAST_TEST_NO_FUSE=1";
  int fd = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot open /dev/fuse: {}", std::strerror(errno));
  ::close(fd);
  std::string path = path_variable();
  if (find_program("fusermount3", path).empty()) return "fusermount3 is not on PATH (Debian: fuse3)";
  if (image_server().empty() && find_program("squashfuse_ll", path).empty())
    return "neither pybcast-image-server (lib/pybcast/) nor squashfuse_ll (Debian: squashfuse) is installed";
  return std::nullopt;
}

ImageMount::ImageMount(const std::string& image, const StageCache& cache, const std::string& key)
    : cache_dir_(::fcntl(cache.cache_dir_fd(), F_DUPFD_CLOEXEC, 0)),
      fusermount_(find_program("fusermount3", path_variable())) {
  Stopwatch clock;
  if (!cache_dir_.valid()) throw_errno("dup", errno);
  if (fusermount_.empty()) fail("fusermount3 is not on PATH (Debian: fuse3)");
  std::string cache_path = cache.root_path() + "/" + layout::kCacheDir;
  dev_t cache_dev = io::fstat(cache_dir_.get(), cache_path).st_dev;
  // One step at a time picks a slot and mounts it: two must not mount at one path.
  CacheLock picking = cache.mount_lock(key);
  picking.exclusive_within(kMountTimeoutSeconds, cache.root_path() + "/locks/" + layout::mount_lock_name(key));
  for (int slot = 0; slot < layout::kImageMountSlots && name_.empty(); ++slot) {
    std::string name = layout::image_mount_name(key, slot);
    MountState state = mount_state(cache_dir_.get(), name, cache_dev);
    if (state == MountState::kDead) {  // a killed step's mount that fusermount3 has not removed
      lazy_unmount(cache_path + "/" + name, fusermount_);
      state = mount_state(cache_dir_.get(), name, cache_dev);
    }
    if (state == MountState::kNone) name_ = name;
  }
  if (name_.empty())
    fail("{}/{}: {} job steps on this node mount this image already; wait for one to end, or stage the tar bundles",
         cache_path, key, layout::kImageMountSlots);
  mountpoint_ = cache_path + "/" + name_;
  if (::mkdirat(cache_dir_.get(), name_.c_str(), 0700) != 0 && errno != EEXIST)
    throw_errno("mkdir " + mountpoint_, errno);
  struct stat st {};
  if (!io::lstatat(cache_dir_.get(), name_, st, mountpoint_) || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
    fail("{} is not a directory of ours; refusing to mount there", mountpoint_);
  std::string ours = image_server();
  std::vector<std::string> argv{ours, image, mountpoint_};
  if (ours.empty()) argv = {"squashfuse_ll", "-f", "-o", "ro,auto_unmount", image, mountpoint_};
  server_name_ = ours.empty() ? "squashfuse_ll" : "pybcast-image-server";
  server_ = std::make_unique<SpawnedChild>(
      argv, SpawnOptions{.pipe = SpawnOptions::Pipe::kNone, .death_signal = SIGTERM, .own_session = true});
  for (;;) {
    if (std::optional<SpawnedExit> exit = server_->poll())
      fail("cannot mount {} at {}: {}", image, mountpoint_, describe_exit(server_name_, *exit));
    if (mount_state(cache_dir_.get(), name_, cache_dev) == MountState::kLive) break;
    if (clock.seconds() > kMountTimeoutSeconds)
      fail("cannot mount {} at {}: {} did not answer within {:.0f} s", image, mountpoint_, server_name_,
           kMountTimeoutSeconds);
    throw_if_interrupted();
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  seconds_ = clock.seconds();
  // The first request served: the root directory's listing (the server reads
  // its superblock's tables then), what every later lookup starts from.
  Stopwatch first;
  io::Fd root = io::openat(cache_dir_.get(), name_, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, mountpoint_);
  io::list_dir(root.get(), mountpoint_);
  first_access_seconds_ = first.seconds();
}

MountUsers::MountUsers(const std::string& user_root, const std::string& name)
    : fd_(io::open(fmt::format("{}/{}/{}.users", user_root, layout::kLocksDir, name),
                   O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) {
  if (::flock(fd_.get(), LOCK_SH) != 0) throw_errno("flock " + name + ".users", errno);
}

bool MountUsers::wait_for_others(double timeout_seconds) {
  Stopwatch clock;
  while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return false;
    if (clock.seconds() > timeout_seconds) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void keep_mounted_until_exit(std::shared_ptr<ImageMount> mount) {
  // Never freed: a static's destructor would run among the exit-time ones.
  static auto* kept = new std::vector<std::shared_ptr<ImageMount>>;
  kept->push_back(std::move(mount));
}

ImageMount::~ImageMount() {
  try {
    lazy_unmount(mountpoint_, fusermount_);
  } catch (...) {
    // The server's death below unmounts too (auto_unmount).
  }
  server_.reset();
  // A further slot's directory goes with its mount; cache/<key> stays with its entry.
  if (name_.find('.') != std::string::npos) ::unlinkat(cache_dir_.get(), name_.c_str(), AT_REMOVEDIR);
}

}  // namespace pybcast
