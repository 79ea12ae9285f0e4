#include "parallel_dirops.h"

#include <linux/fuse.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>

namespace slowfs {
namespace {

std::atomic<bool> init_replied{false};

/// The kernel sends INIT first and waits for its reply, so the first reply is INIT's.
ssize_t write_reply(int fd, iovec* iov, int count, void*) {
  if (!init_replied.exchange(true) && count >= 2 && iov[0].iov_len == sizeof(fuse_out_header) &&
      iov[1].iov_len >= offsetof(fuse_init_out, flags) + sizeof(uint32_t) &&
      static_cast<const fuse_out_header*>(iov[0].iov_base)->error == 0)
    static_cast<fuse_init_out*>(iov[1].iov_base)->flags |= FUSE_PARALLEL_DIROPS;
  return ::writev(fd, iov, count);
}

ssize_t read_request(int fd, void* buf, size_t len, void*) { return ::read(fd, buf, len); }

}  // namespace

int enable_parallel_dirops(fuse_session* se) {
  static const fuse_custom_io io{write_reply, read_request, nullptr, nullptr};
  return fuse_session_custom_io(se, &io, fuse_session_fd(se));
}

}  // namespace slowfs
