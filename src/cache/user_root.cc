#include "cache/user_root.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

#include "cache/node_layout.h"
#include "util/error.h"

namespace pybcast {

io::Fd open_private_subdir(int parent_fd, const std::string& name, const std::string& shown, bool tighten) {
  io::mkdirat(parent_fd, name, 0700, shown);
  int fd = io::openat_raw(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd == -ELOOP || fd == -ENOTDIR) {
    struct stat st {};
    if (io::lstatat(parent_fd, name, st, shown) && S_ISLNK(st.st_mode))
      fail("{} is a symlink; refusing to use it (remove it, or set another PYTHON_MPI_CHROOT)", shown);
    fail("{} exists and is not a directory; refusing to use it", shown);
  }
  if (fd < 0) throw_errno(shown, -fd);
  io::Fd dir(fd);
  struct stat st = io::fstat(dir.get(), shown);
  if (st.st_uid != geteuid())
    fail("{} is owned by uid {}, not by us (uid {}); refusing to use it", shown, st.st_uid, geteuid());
  if ((st.st_mode & 077) && tighten && ::fchmod(dir.get(), 0700) == 0) return dir;
  if (st.st_mode & 077)
    fail("{} has mode {:04o}: group/other may access it; refusing (expected 0700)", shown, st.st_mode & 07777);
  return dir;
}

UserRoot open_user_root(const std::string& node_root) {
  std::error_code ec;
  std::filesystem::create_directories(node_root, ec);
  if (ec) fail("cannot create node-local root {}: {}", node_root, ec.message());
  io::Fd parent = io::open(node_root, O_RDONLY | O_DIRECTORY);
  std::string path = layout::user_root(node_root);
  io::Fd fd = open_private_subdir(parent.get(), layout::user_root_name(), path);
  return UserRoot{std::move(fd), path};
}

}  // namespace pybcast
