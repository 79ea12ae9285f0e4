#include "util/io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "util/error.h"
#include "util/interrupt.h"

namespace pybcast::io {

namespace {

/// After EINTR: true to retry the call; throws Interrupted if the signal
/// was one of util/interrupt's (the call may never return by itself).
bool retry_after_eintr() {
  throw_if_interrupted();
  return true;
}

}  // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

int Fd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Fd open(const std::string& path, int flags, mode_t mode) {
  int fd;
  do fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR && retry_after_eintr());
  if (fd < 0) throw_errno(path, errno);
  return Fd(fd);
}

Fd open_without_blocking(const std::string& path, int flags, struct stat& st) {
  Fd fd = open(path, flags | O_NONBLOCK);
  st = fstat(fd.get(), path);
  if (S_ISREG(st.st_mode) && ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) throw_errno(path, errno);
  return fd;
}

const char* type_name(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFLNK: return "a symlink";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
  }
  return "of an unknown type";
}

int openat_raw(int dirfd, const char* name, int flags, mode_t mode) {
  int fd;
  do fd = ::openat(dirfd, name, flags | O_CLOEXEC, mode);
  while (fd < 0 && errno == EINTR && retry_after_eintr());
  return fd < 0 ? -errno : fd;
}

Fd openat(int dirfd, const std::string& name, int flags, mode_t mode, const std::string& shown) {
  int fd = openat_raw(dirfd, name.c_str(), flags, mode);
  if (fd < 0) throw_errno(shown, -fd);
  return Fd(fd);
}

struct stat fstat(int fd, const std::string& shown) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno(shown, errno);
  return st;
}

bool lstatat(int dirfd, const std::string& name, struct stat& st, const std::string& shown) {
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT) return false;
  throw_errno(shown, errno);
}

void write_all(int fd, std::span<const std::byte> data, const std::string& shown) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR && retry_after_eintr()) continue;
      throw_errno(shown, errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
}

void write_file_atomically(const std::string& path, std::string_view text) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::random_device random;
  std::string tmp;
  int fd = -EEXIST;
  for (int attempt = 0; attempt < 8 && fd == -EEXIST; ++attempt) {
    tmp = fmt::format("{}.{}.tmp-{:08x}{:08x}", dir, base, random(), random());
    fd = openat_raw(AT_FDCWD, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0666);
  }
  if (fd < 0) throw_errno(fmt::format("cannot write {} (temporary file {})", path, tmp), -fd);
  Fd out(fd);
  try {
    write_all(out.get(), std::as_bytes(std::span(text)), tmp);
    if (::close(out.release()) != 0) throw_errno(tmp, errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("cannot write " + path, errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

void pwrite_all(int fd, std::span<const std::byte> data, off_t offset, const std::string& shown) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), offset);
    if (n < 0) {
      if (errno == EINTR && retry_after_eintr()) continue;
      throw_errno(shown, errno);
    }
    data = data.subspan(static_cast<size_t>(n));
    offset += static_cast<off_t>(n);
  }
}

uint64_t copy_contents(int in, int out, const std::string& in_shown, const std::string& out_shown,
                       const std::function<void(std::span<const std::byte>)>& seen) {
  std::vector<std::byte> block(size_t{1} << 20);
  uint64_t copied = 0;
  for (;;) {
    size_t got = pread_full(in, block, static_cast<off_t>(copied), in_shown);
    if (got == 0) break;
    if (seen) seen(std::span(block).first(got));
    write_all(out, std::span(block).first(got), out_shown);
    copied += got;
    if (got < block.size()) break;
  }
  return copied;
}

size_t pread_full(int fd, std::span<std::byte> data, off_t offset, const std::string& shown) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pread(fd, data.data() + done, data.size() - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR && retry_after_eintr()) continue;
      throw_errno(shown, errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

bool mkdirat(int dirfd, const std::string& name, mode_t mode, const std::string& shown) {
  if (::mkdirat(dirfd, name.c_str(), mode) == 0) return true;
  if (errno == EEXIST) return false;
  throw_errno(shown, errno);
}

namespace {

/// Opens directory parent/name to empty it, made 0700 first: ours, but
/// maybe read-only (published entries) or mode 000 (from a bundle, before
/// extraction added u+rwx). An invalid Fd if it is gone.
Fd open_to_empty(int parent, const std::string& name, const std::string& shown) {
  int fd = openat_raw(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  struct stat st {};
  if (fd == -EACCES && ::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
      ::fchmodat(parent, name.c_str(), 0700, 0) == 0)
    fd = openat_raw(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd == -ENOENT) return Fd();
  if (fd < 0) throw_errno("cannot remove " + shown, -fd);
  Fd dir(fd);
  ::fchmod(dir.get(), 0700);  // a read-only directory must become writable before it can be emptied
  return dir;
}

/// unlinkat(2) of a non-directory; false if it is a directory.
bool unlink_non_dir(int parent, const std::string& name, const std::string& shown) {
  if (::unlinkat(parent, name.c_str(), 0) == 0 || errno == ENOENT) return true;
  if (errno != EISDIR && errno != EPERM) throw_errno("cannot remove " + shown, errno);
  return false;
}

}  // namespace

int open_dir_path_raw(int base_fd, const std::vector<std::string>& components, bool create, mode_t mode) {
  Fd current;
  int at = base_fd;
  for (const auto& name : components) {
    if (create && ::mkdirat(at, name.c_str(), mode) != 0 && errno != EEXIST) return -errno;
    int fd = openat_raw(at, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0) return fd;
    current = Fd(fd);
    at = fd;
  }
  if (!current.valid()) {  // no components: a duplicate of base_fd
    int fd = ::fcntl(base_fd, F_DUPFD_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
  }
  return current.release();
}

uint64_t free_bytes(int fd, const std::string& shown) {
  struct statvfs st {};
  if (::fstatvfs(fd, &st) != 0) throw_errno(shown, errno);
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

std::vector<std::string> list_dir(int dirfd, const std::string& shown) {
  int dup = ::dup(dirfd);
  if (dup < 0) throw_errno(shown, errno);
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    ::close(dup);
    throw_errno(shown, errno);
  }
  ::rewinddir(dir);  // a dup shares the offset of an fd read before
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

uint64_t open_files_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return UINT64_MAX;
  return limit.rlim_cur;
}

size_t open_files_count() {
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    size_t count = 0;
    while (dirent* e = ::readdir(dir))
      if (e->d_name[0] != '.') ++count;
    ::closedir(dir);
    return count - 1;  // the listing's own fd
  }
  constexpr uint64_t kMaxProbed = 65536;
  size_t count = 0;
  for (uint64_t fd = 0, end = std::min(open_files_limit(), kMaxProbed); fd < end; ++fd)
    if (::fcntl(static_cast<int>(fd), F_GETFD) != -1) ++count;
  return count;
}

void remove_tree_at(int dirfd, const std::string& name, const std::string& shown) {
  if (unlink_non_dir(dirfd, name, shown)) return;
  // Depth first with one directory fd open at a time (back up through ".."),
  // so that a tree of any depth is removed under any fd limit. Only used on
  // our own trees, below a 0700 root nobody else can rearrange.
  struct Level {
    std::string name, shown;
    std::vector<std::string> children;
  };
  Fd current = open_to_empty(dirfd, name, shown);
  if (!current.valid()) return;
  std::vector<Level> levels;
  levels.push_back({name, shown, list_dir(current.get(), shown)});
  for (;;) {
    Level& level = levels.back();
    if (!level.children.empty()) {
      std::string child = std::move(level.children.back());
      level.children.pop_back();
      std::string child_shown = level.shown + "/" + child;
      if (unlink_non_dir(current.get(), child, child_shown)) continue;
      Fd next = open_to_empty(current.get(), child, child_shown);
      if (!next.valid()) continue;
      current = std::move(next);
      levels.push_back({child, child_shown, list_dir(current.get(), child_shown)});
      continue;
    }
    Level done = std::move(levels.back());
    levels.pop_back();
    int parent = dirfd;
    if (!levels.empty()) {
      current = openat(current.get(), "..", O_RDONLY | O_DIRECTORY, 0, levels.back().shown);
      parent = current.get();
    } else {
      current.reset();
    }
    if (::unlinkat(parent, done.name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
      throw_errno("cannot remove " + done.shown, errno);
    if (levels.empty()) return;
  }
}

}  // namespace pybcast::io
