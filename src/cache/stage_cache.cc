#include "cache/stage_cache.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include <fmt/format.h>

#include "util/error.h"
#include "util/interrupt.h"
#include "util/timer.h"

namespace pybcast {

bool CacheLock::try_shared() { return ::flock(fd_.get(), LOCK_SH | LOCK_NB) == 0; }

bool CacheLock::try_exclusive() { return ::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0; }

namespace {

template <typename TryLock>
void poll_lock(TryLock try_lock, double timeout_seconds, const std::string& shown, std::string_view holder) {
  Stopwatch clock;
  while (!try_lock()) {
    if (errno != EWOULDBLOCK && errno != EINTR) throw_errno("flock " + shown, errno);
    if (clock.seconds() > timeout_seconds)
      fail("gave up after {:.0f} s waiting for {} ({})", timeout_seconds, shown, holder);
    throw_if_interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

void CacheLock::shared_within(double timeout_seconds, const std::string& shown) {
  poll_lock([this] { return try_shared(); }, timeout_seconds, shown,
            "another job on this node is extracting the same bundles");
}

void CacheLock::exclusive_within(double timeout_seconds, const std::string& shown) {
  poll_lock([this] { return try_exclusive(); }, timeout_seconds, shown,
            "another job step on this node is mounting the same image");
}

void CacheLock::unlock() {
  if (fd_.valid()) ::flock(fd_.get(), LOCK_UN);
}

void CacheLock::touch() {
  if (fd_.valid()) ::futimens(fd_.get(), nullptr);
}

ExtractionDir::ExtractionDir(int parent_fd, std::string name, io::Fd dir)
    : parent_fd_(parent_fd), name_(std::move(name)), dir_(std::move(dir)) {}

ExtractionDir::~ExtractionDir() {
  try {
    discard();
  } catch (...) {
    // Best effort in a destructor: the next gc removes what is left.
  }
}

void ExtractionDir::discard() {
  if (published_ || !dir_.valid()) return;
  dir_.reset();
  published_ = true;
  io::remove_tree_at(parent_fd_, name_, name_);
}

StageCache::StageCache(UserRoot root) : root_(std::move(root)) {
  cache_ = open_private_subdir(root_.fd.get(), layout::kCacheDir, root_.path + "/" + layout::kCacheDir);
  locks_ = open_private_subdir(root_.fd.get(), layout::kLocksDir, root_.path + "/" + layout::kLocksDir);
  pycache_ = open_private_subdir(root_.fd.get(), layout::kPycacheDir, layout::pycache_path(root_.path), true);
  images_ = open_private_subdir(root_.fd.get(), layout::kImagesDir, root_.path + "/" + layout::kImagesDir);
}

namespace {

/// The directory `name` beneath `parent`, ours, not a symlink; invalid if absent.
io::Fd open_owned_dir(int parent, const std::string& name, const std::string& shown) {
  int fd = io::openat_raw(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd == -ENOENT) return io::Fd();
  if (fd == -ELOOP || fd == -ENOTDIR) {
    struct stat st {};
    if (io::lstatat(parent, name, st, shown) && S_ISLNK(st.st_mode))
      fail("cache entry {} is a symlink; refusing to follow it", shown);
    fail("cache entry {} is not a directory; refusing to use it", shown);
  }
  if (fd < 0) throw_errno(shown, -fd);
  io::Fd dir(fd);
  if (io::fstat(dir.get(), shown).st_uid != geteuid()) fail("cache entry {} is not owned by us; refusing", shown);
  return dir;
}

}  // namespace

io::Fd StageCache::open_image_entry(const std::string& key) const {
  return open_owned_dir(images_.get(), key, image_entry_path(key));
}

void StageCache::publish_image(ExtractionDir& tmp, const std::string& key) const {
  if (::renameat(root_.fd.get(), tmp.name().c_str(), images_.get(), key.c_str()) == 0) {
    tmp.forget();
    if (::fchmod(tmp.fd(), 0555) != 0) throw_errno("chmod " + image_entry_path(key), errno);
    return;
  }
  int err = errno;
  if ((err == ENOTEMPTY || err == EEXIST) && open_image_entry(key).valid()) {
    tmp.discard();
    return;
  }
  throw_errno(fmt::format("cannot publish {} as {}", tmp.name(), image_entry_path(key)), err);
}

void StageCache::remove_image_entry(const std::string& key) const {
  io::Fd entry = open_image_entry(key);
  if (!entry.valid()) return;
  if (::fchmod(entry.get(), 0700) != 0) throw_errno("cannot remove " + image_entry_path(key), errno);
  std::string name = layout::new_tmp_name(key);
  if (::renameat(images_.get(), key.c_str(), root_.fd.get(), name.c_str()) != 0) {
    if (errno == ENOENT) return;
    throw_errno("cannot remove " + image_entry_path(key), errno);
  }
  io::remove_tree_at(root_.fd.get(), name, root_.path + "/" + name);
}

io::Fd StageCache::open_entry(const std::string& key) const {
  std::string shown = entry_path(key);
  int fd = io::openat_raw(cache_.get(), key.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd == -ENOENT) return io::Fd();
  if (fd == -ELOOP || fd == -ENOTDIR) {
    struct stat st {};
    if (io::lstatat(cache_.get(), key, st, shown) && S_ISLNK(st.st_mode))
      fail("cache entry {} is a symlink; refusing to follow it", shown);
    fail("cache entry {} is not a directory; refusing to use it", shown);
  }
  if (fd < 0) throw_errno(shown, -fd);
  io::Fd dir(fd);
  if (io::fstat(dir.get(), shown).st_uid != geteuid()) fail("cache entry {} is not owned by us; refusing", shown);
  return dir;
}

CacheLock StageCache::lock_file(const std::string& key) const {
  return CacheLock(io::openat(locks_.get(), layout::lock_name(key), O_RDWR | O_CREAT | O_NOFOLLOW, 0600,
                              layout::lock_path(root_.path, key)));
}

CacheLock StageCache::mount_lock(const std::string& key) const {
  return CacheLock(io::openat(locks_.get(), layout::mount_lock_name(key), O_RDWR | O_CREAT | O_NOFOLLOW, 0600,
                              root_.path + "/" + layout::kLocksDir + "/" + layout::mount_lock_name(key)));
}

std::vector<std::string> StageCache::list_root() const { return io::list_dir(root_.fd.get(), root_.path); }

std::vector<std::string> StageCache::list_entries() const {
  std::vector<std::string> keys;
  for (const auto& name : io::list_dir(cache_.get(), root_.path + "/" + layout::kCacheDir))
    if (!layout::extra_mount_key(name)) keys.push_back(name);
  for (const auto& name : io::list_dir(images_.get(), root_.path + "/" + layout::kImagesDir))
    if (std::find(keys.begin(), keys.end(), name) == keys.end()) keys.push_back(name);
  return keys;
}

std::vector<std::string> StageCache::list_extra_mounts() const {
  std::vector<std::string> names;
  for (const auto& name : io::list_dir(cache_.get(), root_.path + "/" + layout::kCacheDir))
    if (layout::extra_mount_key(name)) names.push_back(name);
  return names;
}

size_t StageCache::remove_stale_tmp(const std::string& key) const {
  size_t removed = 0;
  for (const auto& name : list_root())
    if (layout::is_tmp_of(name, key)) {
      io::remove_tree_at(root_.fd.get(), name, root_.path + "/" + name);
      ++removed;
    }
  // A killed extraction may have linked bytecode already; an entry that was published keeps its mirror.
  if (removed > 0 && !has(key)) remove_bytecode_mirror(key);
  return removed;
}

void StageCache::remove_entry(const std::string& key) const {
  remove_image_entry(key);  // an image bundle's entry goes with its mount point
  // Unpublish atomically first: nobody may see a half-removed entry. The
  // entry is read-only, and moving a directory needs write access to it.
  io::Fd entry = open_entry(key);
  if (!entry.valid()) return;
  if (::fchmod(entry.get(), 0700) != 0) throw_errno("cannot remove " + entry_path(key), errno);
  std::string name = layout::new_tmp_name(key);
  if (::renameat(cache_.get(), key.c_str(), root_.fd.get(), name.c_str()) != 0) {
    if (errno == ENOENT) return;
    throw_errno("cannot remove " + entry_path(key), errno);
  }
  io::remove_tree_at(root_.fd.get(), name, root_.path + "/" + name);
  remove_bytecode_mirror(key);
}

void StageCache::remove_bytecode_mirror(const std::string& key) const {
  std::vector<std::string> parts = layout::bytecode_mirror_parts(root_.path, key);
  std::string shown = layout::pycache_path(root_.path) + entry_path(key);
  std::string last = parts.back();
  parts.pop_back();
  int parent = io::open_dir_path_raw(pycache_.get(), parts, false, 0);
  if (parent == -ENOENT) return;
  if (parent < 0) throw_errno("cannot remove " + shown, -parent);
  io::Fd dir(parent);
  io::remove_tree_at(dir.get(), last, shown);
}

io::Fd StageCache::fresh_bytecode_mirror(const std::string& key) const {
  remove_bytecode_mirror(key);
  std::string shown = layout::pycache_path(root_.path) + entry_path(key);
  int fd = io::open_dir_path_raw(pycache_.get(), layout::bytecode_mirror_parts(root_.path, key), true, 0700);
  if (fd < 0) throw_errno("cannot create " + shown, -fd);
  return io::Fd(fd);
}

io::Fd StageCache::open_bytecode_mirror(const std::string& key) const {
  int fd = io::open_dir_path_raw(pycache_.get(), layout::bytecode_mirror_parts(root_.path, key), false, 0);
  if (fd == -ENOENT || fd == -ELOOP || fd == -ENOTDIR) return io::Fd();  // gone, or something else in its place
  if (fd < 0) throw_errno(layout::pycache_path(root_.path) + entry_path(key), -fd);
  return io::Fd(fd);
}

ExtractionDir StageCache::make_tmp(const std::string& key) const {
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::string name = layout::new_tmp_name(key);
    if (::mkdirat(root_.fd.get(), name.c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;
      throw_errno("cannot create " + root_.path + "/" + name, errno);
    }
    io::Fd dir = io::openat(root_.fd.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, root_.path + "/" + name);
    return ExtractionDir(root_.fd.get(), name, std::move(dir));
  }
  fail("cannot create a unique tmp directory in {}", root_.path);
}

void StageCache::publish(ExtractionDir& tmp, const std::string& key) const {
  // The prefix is readable like any installed tree, and read-only (as every
  // directory in it); privacy comes from the 0700 user root. Made read-only
  // once in place: moving a directory to another parent needs write access to it.
  if (::renameat(root_.fd.get(), tmp.name().c_str(), cache_.get(), key.c_str()) == 0) {
    tmp.forget();
    if (::fchmod(tmp.fd(), 0555) != 0) throw_errno("chmod " + entry_path(key), errno);
    return;
  }
  int err = errno;
  if ((err == ENOTEMPTY || err == EEXIST) && has(key)) {
    tmp.discard();
    return;
  }
  throw_errno(fmt::format("cannot publish {} as {}", tmp.name(), entry_path(key)), err);
}

Claim claim_entry(const StageCache& cache, const std::string& key, CacheLock& lock, const EntryCheck& check,
                  bool image) {
  if (io::Fd entry = image ? cache.open_image_entry(key) : cache.open_entry(key); entry.valid()) {
    std::optional<std::string> problem = check ? check(entry.get()) : std::nullopt;
    if (!problem) {
      lock.touch();
      return Claim::kHit;
    }
    if (!lock.try_exclusive())
      fail(
          "cache entry {} {}; another job on this node is using it, so it cannot be replaced now (`pybcast gc` "
          "removes it once unused)",
          image ? cache.image_entry_path(key) : cache.entry_path(key), *problem);
    if (image) cache.remove_image_entry(key);
    else cache.remove_entry(key);
    cache.remove_stale_tmp(key);
    return Claim::kExtract;
  }
  if (lock.try_exclusive()) {
    cache.remove_stale_tmp(key);
    return Claim::kExtract;
  }
  lock.unlock();
  return Claim::kBusy;
}

uint64_t StageCache::free_bytes() const { return io::free_bytes(root_.fd.get(), root_.path); }

}  // namespace pybcast
