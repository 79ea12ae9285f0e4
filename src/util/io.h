#pragma once
// Thin wrappers around the system calls we use: each retries on EINTR and
// throws Error naming the path and strerror, so callers stay linear. A call
// interrupted by one of util/interrupt's signals (SIGTERM, SIGINT, SIGHUP
// during staging) is not retried: it throws Interrupted, so that a call that
// may block for ever (open of a FIFO, a read from a hung file system) does not
// keep the rank from ending.
#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pybcast::io {

/// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

/// open(2); throws "<path>: strerror" on failure.
Fd open(const std::string& path, int flags, mode_t mode = 0);
/// openat(2) relative to dirfd; `shown` is the name used in messages.
Fd openat(int dirfd, const std::string& name, int flags, mode_t mode, const std::string& shown);
/// openat(2) returning -errno instead of throwing (for callers that branch on
/// errno); only Interrupted is thrown.
int openat_raw(int dirfd, const char* name, int flags, mode_t mode = 0);
/// Opens an existing file to read it, without ever waiting in open(2): with
/// O_NONBLOCK, which a FIFO without a writer (a file replaced since a walk
/// listed it) would otherwise make wait for ever. `st` gets its fstat; the
/// caller decides what a file that is not regular means. O_NONBLOCK is
/// cleared again on a regular file, so that no file system can answer its
/// reads with EAGAIN.
Fd open_without_blocking(const std::string& path, int flags, struct stat& st);
/// "a FIFO", "a directory", "a socket", ...: a file's type, for messages.
const char* type_name(mode_t mode);

struct stat fstat(int fd, const std::string& shown);
/// fstatat(..., AT_SYMLINK_NOFOLLOW); returns false if the name does not exist.
bool lstatat(int dirfd, const std::string& name, struct stat& st, const std::string& shown);
/// Bytes available to us on the file system of `fd` (fstatvfs: f_bavail).
uint64_t free_bytes(int fd, const std::string& shown);

/// Writes all bytes, retrying on short writes and EINTR.
void write_all(int fd, std::span<const std::byte> data, const std::string& shown);
/// Writes `text` as the whole content of `path`: into a new file of a random
/// name beside it (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0666 less the umask, as a
/// shell's `>`: never an existing file, nor a symlink someone planted), then
/// renamed over `path`; the temporary file is removed on any failure. No
/// fsync, as for pack's output: the rename alone keeps readers from ever
/// seeing part of the file.
void write_file_atomically(const std::string& path, std::string_view text);
/// Writes all bytes at offset (pwrite), retrying on short writes and EINTR.
void pwrite_all(int fd, std::span<const std::byte> data, off_t offset, const std::string& shown);
/// Copies everything from `in` (from its start) to `out` in 1 MiB blocks,
/// showing each block to `seen` first (a hash); returns the bytes copied.
uint64_t copy_contents(int in, int out, const std::string& in_shown, const std::string& out_shown,
                       const std::function<void(std::span<const std::byte>)>& seen = {});
/// Reads up to data.size() bytes at offset; returns bytes read (short only at EOF).
size_t pread_full(int fd, std::span<std::byte> data, off_t offset, const std::string& shown);

/// mkdirat(2); returns false if it already existed (of any type).
bool mkdirat(int dirfd, const std::string& name, mode_t mode, const std::string& shown);
/// Opens base/c1/c2/... one component at a time with O_NOFOLLOW, so no
/// symlink is ever followed; `create` makes missing directories with `mode`.
/// Returns -errno (ENOENT, ELOOP, ENOTDIR, ...) instead of throwing.
int open_dir_path_raw(int base_fd, const std::vector<std::string>& components, bool create, mode_t mode);

/// The names in a directory (its fd), sorted, without "." and "..".
std::vector<std::string> list_dir(int dirfd, const std::string& shown);

/// The soft RLIMIT_NOFILE (RLIM_INFINITY, or unreadable: UINT64_MAX).
uint64_t open_files_limit();
/// File descriptors this process has open now: one listing of /proc/self/fd
/// (without /proc: a probe of each descriptor below the limit).
size_t open_files_count();

/// Removes dirfd/name and everything below it without following symlinks.
/// Missing names are not an error.
void remove_tree_at(int dirfd, const std::string& name, const std::string& shown);

}  // namespace pybcast::io
