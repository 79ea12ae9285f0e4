#include "cache/user_root.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include <fmt/format.h>

#include "cache/node_layout.h"
#include "cache/trusted_dir.h"
#include "util/error.h"

namespace pybcast {

namespace {

[[noreturn]] void refuse_owner(const std::string& shown, uid_t owner) {
  fail(
      "{} is owned by uid {}, not by us (uid {}): another user made it, and only they or root can remove it; "
      "ask them or the administrators, or set PYTHON_MPI_CHROOT to a directory of yours",
      shown, owner, geteuid());
}

}  // namespace

io::Fd open_private_subdir(int parent_fd, const std::string& name, const std::string& shown, bool tighten) {
  io::mkdirat(parent_fd, name, 0700, shown);
  int fd = io::openat_raw(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd == -ELOOP || fd == -ENOTDIR) {
    struct stat st {};
    if (io::lstatat(parent_fd, name, st, shown) && S_ISLNK(st.st_mode))
      fail("{} is a symlink; refusing to use it (remove it, or set another PYTHON_MPI_CHROOT)", shown);
    fail("{} exists and is not a directory; refusing to use it", shown);
  }
  if (fd < 0) {
    // Another user's 0700 directory cannot even be opened: say whose it is,
    // not just "Permission denied".
    struct stat st {};
    if (io::lstatat(parent_fd, name, st, shown) && st.st_uid != geteuid()) refuse_owner(shown, st.st_uid);
    throw_errno(shown, -fd);
  }
  io::Fd dir(fd);
  struct stat st = io::fstat(dir.get(), shown);
  if (st.st_uid != geteuid()) refuse_owner(shown, st.st_uid);
  if ((st.st_mode & 077) && tighten && ::fchmod(dir.get(), 0700) == 0) return dir;
  if (st.st_mode & 077)
    fail("{} has mode {:04o}: group/other may access it; refusing (expected 0700)", shown, st.st_mode & 07777);
  return dir;
}

UserRoot open_user_root(const layout::NodeRoot& where) {
  io::Fd chroot = open_trusted_dir(where.chroot);
  std::string path = layout::user_root({where.chroot, std::nullopt});
  io::Fd fd = open_private_subdir(chroot.get(), layout::user_root_name(), path);
  if (where.virtual_node) {
    path = layout::user_root(where);
    fd = open_private_subdir(fd.get(), layout::virtual_node_name(*where.virtual_node), path);
  }
  return UserRoot{std::move(fd), path};
}

std::vector<layout::NodeRoot> existing_user_roots(const std::string& chroot) {
  std::vector<layout::NodeRoot> roots;
  std::filesystem::path mine = std::filesystem::path(chroot) / layout::user_root_name();
  std::error_code ec;
  if (!std::filesystem::is_directory(std::filesystem::symlink_status(mine, ec))) return roots;
  roots.push_back({chroot, std::nullopt});
  for (std::filesystem::directory_iterator it(mine, ec), end; !ec && it != end; it.increment(ec))
    if (auto g = layout::virtual_node_index(it->path().filename().string())) roots.push_back({chroot, *g});
  std::sort(roots.begin(), roots.end(), [](const auto& a, const auto& b) { return a.virtual_node < b.virtual_node; });
  return roots;
}

}  // namespace pybcast
