// The request handlers: a read-only passthrough in which every metadata request
// is counted and goes through MetadataDelay, and reads through BandwidthCap.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <string>
#include <vector>

#include "control_file.h"
#include "filesystem.h"

namespace slowfs {
namespace {

std::string proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

int stat_fd(int fd, struct stat* st) {
  return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
}

void do_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  if (control::is_control(parent, name)) return control::lookup(req);
  FileSystem& fs = filesystem(req);
  auto slow = fs.metadata_request(fs.stats.lookup);
  const int fd = openat(fs.inodes.fd_of(parent), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err != ENOENT) return (void)fuse_reply_err(req, err);
    ++fs.stats.lookup_negative;
    if (fs.settings.negative_timeout <= 0) return (void)fuse_reply_err(req, ENOENT);
    fuse_entry_param negative{};  // ino 0: the kernel caches "no such name"
    negative.entry_timeout = fs.settings.negative_timeout;
    return (void)fuse_reply_entry(req, &negative);
  }
  fuse_entry_param e{};
  if (const int err = stat_fd(fd, &e.attr)) {
    close(fd);
    return (void)fuse_reply_err(req, err);
  }
  e.ino = fs.inodes.remember(fd, e.attr);
  e.attr_timeout = fs.settings.attr_timeout;
  e.entry_timeout = fs.settings.entry_timeout;
  if (fuse_reply_entry(req, &e) != 0) fs.inodes.forget(e.ino, 1);
}

void do_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  filesystem(req).inodes.forget(ino, nlookup);
  fuse_reply_none(req);
}

void do_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; ++i) filesystem(req).inodes.forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void do_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  if (ino == kControlIno) return control::getattr(req);
  FileSystem& fs = filesystem(req);
  auto slow = fs.metadata_request(fs.stats.getattr);
  struct stat st;
  if (const int err = stat_fd(fs.inodes.fd_of(ino), &st)) return (void)fuse_reply_err(req, err);
  fuse_reply_attr(req, &st, fs.settings.attr_timeout);
}

void do_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info*) {
  if (ino == kControlIno) return control::setattr(req, attr, to_set);
  fuse_reply_err(req, EROFS);
}

void do_readlink(fuse_req_t req, fuse_ino_t ino) {
  FileSystem& fs = filesystem(req);
  auto slow = fs.metadata_request(fs.stats.readlink);
  char target[PATH_MAX + 1];
  const ssize_t n = readlinkat(fs.inodes.fd_of(ino), "", target, PATH_MAX);
  if (n < 0) return (void)fuse_reply_err(req, errno);
  target[n] = '\0';
  fuse_reply_readlink(req, target);
}

void do_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (ino == kControlIno) return control::open(req, fi);
  if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) return (void)fuse_reply_err(req, EROFS);
  FileSystem& fs = filesystem(req);
  auto slow = fs.metadata_request(fs.stats.open);
  // Reopen the O_PATH descriptor for reading; O_NOFOLLOW would refuse the /proc link.
  const int fd = ::open(proc_path(fs.inodes.fd_of(ino)).c_str(), (fi->flags & ~O_NOFOLLOW) | O_CLOEXEC);
  if (fd < 0) return (void)fuse_reply_err(req, errno);
  fi->fh = static_cast<uint64_t>(fd);
  fuse_reply_open(req, fi);
}

void do_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  if (ino == kControlIno) return control::read(req, size, off, fi);
  FileSystem& fs = filesystem(req);
  ++fs.stats.read;
  std::vector<char> buf(size);
  const ssize_t n = pread(static_cast<int>(fi->fh), buf.data(), size, off);
  if (n < 0) return (void)fuse_reply_err(req, errno);
  fs.stats.read_bytes += static_cast<uint64_t>(n);
  fs.bandwidth.consume(static_cast<size_t>(n));
  fuse_reply_buf(req, buf.data(), static_cast<size_t>(n));
}

void do_write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t, fuse_file_info* fi) {
  if (ino == kControlIno) return control::write(req, buf, size, fi);
  fuse_reply_err(req, EROFS);
}

void do_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (ino == kControlIno) return control::release(req, fi);
  close(static_cast<int>(fi->fh));
  fuse_reply_err(req, 0);
}

/// An open directory stream and where the kernel last left it.
struct Directory {
  std::mutex mu;  ///< Parallel dirops: never trust the kernel to serialise one handle.
  DIR* stream;
  off_t offset = 0;
  dirent* pending = nullptr;  ///< Read but did not fit in the previous reply.
};

void do_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  FileSystem& fs = filesystem(req);
  auto slow = fs.metadata_request(fs.stats.opendir);
  const int fd = openat(fs.inodes.fd_of(ino), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return (void)fuse_reply_err(req, errno);
  DIR* stream = fdopendir(fd);
  if (stream == nullptr) {
    const int err = errno;
    close(fd);
    return (void)fuse_reply_err(req, err);
  }
  auto* dir = new Directory;
  dir->stream = stream;
  fi->fh = reinterpret_cast<uint64_t>(dir);
  fuse_reply_open(req, fi);
}

/// Fills `buf` with entries from `off` on; returns the bytes used, or -errno.
ssize_t fill_directory(fuse_req_t req, Directory* dir, char* buf, size_t size, off_t off) {
  std::lock_guard<std::mutex> lock(dir->mu);
  if (off != dir->offset) {
    seekdir(dir->stream, off);
    dir->pending = nullptr;
    dir->offset = off;
  }
  size_t used = 0;
  for (;;) {
    if (dir->pending == nullptr) {
      errno = 0;
      dir->pending = readdir(dir->stream);
      if (dir->pending == nullptr) {
        if (errno != 0 && used == 0) return -errno;
        return static_cast<ssize_t>(used);
      }
    }
    struct stat st {};
    st.st_ino = dir->pending->d_ino;
    st.st_mode = static_cast<mode_t>(DTTOIF(dir->pending->d_type));
    const size_t need = fuse_add_direntry(req, buf + used, size - used, dir->pending->d_name, &st, dir->pending->d_off);
    if (need > size - used) return static_cast<ssize_t>(used);  // pending: next request
    used += need;
    dir->offset = dir->pending->d_off;
    dir->pending = nullptr;
  }
}

void do_readdir(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  FileSystem& fs = filesystem(req);
  auto slow = fs.metadata_request(fs.stats.readdir);
  std::vector<char> buf(size);
  // Reply only after the directory's lock is released: once the kernel has the
  // reply, RELEASEDIR may arrive on another thread and free the Directory.
  const ssize_t used = fill_directory(req, reinterpret_cast<Directory*>(fi->fh), buf.data(), size, off);
  if (used < 0) return (void)fuse_reply_err(req, static_cast<int>(-used));
  fuse_reply_buf(req, buf.data(), static_cast<size_t>(used));
}

void do_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  auto* dir = reinterpret_cast<Directory*>(fi->fh);
  closedir(dir->stream);
  delete dir;
  fuse_reply_err(req, 0);
}

void do_statfs(fuse_req_t req, fuse_ino_t ino) {
  FileSystem& fs = filesystem(req);
  auto slow = fs.metadata_request(fs.stats.statfs);
  struct statvfs st;
  if (fstatvfs(fs.inodes.fd_of(ino == kControlIno ? FUSE_ROOT_ID : ino), &st) != 0)
    return (void)fuse_reply_err(req, errno);
  fuse_reply_statfs(req, &st);
}

void do_access(fuse_req_t req, fuse_ino_t ino, int mask) {
  if (ino == kControlIno) return (void)fuse_reply_err(req, (mask & X_OK) ? EACCES : 0);
  FileSystem& fs = filesystem(req);
  auto slow = fs.metadata_request(fs.stats.access);
  if (mask & W_OK) return (void)fuse_reply_err(req, EROFS);
  const int rc = faccessat(AT_FDCWD, proc_path(fs.inodes.fd_of(ino)).c_str(), mask, 0);
  fuse_reply_err(req, rc == 0 ? 0 : errno);
}

void do_init(void*, fuse_conn_info* conn) {
  // Plain READDIR only: READDIRPLUS would answer lookups the kernel then never sends.
  conn->want &= ~FUSE_CAP_READDIRPLUS;
}

}  // namespace

fuse_lowlevel_ops slowfs_operations() {
  fuse_lowlevel_ops ops{};
  ops.init = do_init;
  ops.lookup = do_lookup;
  ops.forget = do_forget;
  ops.forget_multi = do_forget_multi;
  ops.getattr = do_getattr;
  ops.setattr = do_setattr;
  ops.readlink = do_readlink;
  ops.open = do_open;
  ops.read = do_read;
  ops.write = do_write;
  ops.release = do_release;
  ops.opendir = do_opendir;
  ops.readdir = do_readdir;
  ops.releasedir = do_releasedir;
  ops.statfs = do_statfs;
  ops.access = do_access;
  // Everything that would change the tree: read-only.
  ops.mknod = [](fuse_req_t req, fuse_ino_t, const char*, mode_t, dev_t) { fuse_reply_err(req, EROFS); };
  ops.mkdir = [](fuse_req_t req, fuse_ino_t, const char*, mode_t) { fuse_reply_err(req, EROFS); };
  ops.unlink = [](fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, EROFS); };
  ops.rmdir = [](fuse_req_t req, fuse_ino_t, const char*) { fuse_reply_err(req, EROFS); };
  ops.symlink = [](fuse_req_t req, const char*, fuse_ino_t, const char*) { fuse_reply_err(req, EROFS); };
  ops.link = [](fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) { fuse_reply_err(req, EROFS); };
  ops.rename = [](fuse_req_t req, fuse_ino_t, const char*, fuse_ino_t, const char*, unsigned) {
    fuse_reply_err(req, EROFS);
  };
  ops.create = [](fuse_req_t req, fuse_ino_t, const char*, mode_t, fuse_file_info*) { fuse_reply_err(req, EROFS); };
  return ops;
}

}  // namespace slowfs
