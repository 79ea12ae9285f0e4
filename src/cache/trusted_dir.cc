#include "cache/trusted_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <filesystem>
#include <vector>

#include "util/error.h"

namespace pybcast {

namespace {

constexpr int kMaxSymlinks = 40;  // the kernel's limit (MAXSYMLINKS)

bool trusted_owner(uid_t uid) { return uid == 0 || uid == geteuid(); }

void check_directory(int fd, const std::string& shown) {
  struct stat st = io::fstat(fd, shown);
  if (!trusted_owner(st.st_uid))
    fail(
        "{} is owned by uid {} (neither root nor us, uid {}): that user could replace what we stage below it; "
        "set PYTHON_MPI_CHROOT to a directory whose parents belong to root or to you",
        shown, st.st_uid, geteuid());
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
    fail(
        "{} has mode {:04o}: writable by others and not sticky, so another user could rename what we stage "
        "below it and put their own files in its place; chmod +t it (as /dev/shm and /tmp are) or set "
        "PYTHON_MPI_CHROOT elsewhere",
        shown, st.st_mode & 07777);
}

std::deque<std::string> components_of(const std::string& path) {
  std::deque<std::string> out;
  for (const auto& part : std::filesystem::path(path)) {
    std::string name = part.string();
    if (!name.empty() && name != "/" && name != ".") out.push_back(name);
  }
  return out;
}

}  // namespace

io::Fd open_trusted_dir(const std::string& given) {
  // ".." in the given path is resolved lexically, before anything is made:
  // "a/../b" is "b" (no stray "a" created), and the directory checked is the
  // one whose path is handed out (layout::user_root is lexically normal too),
  // even where "a" is a symlink. A symlink's own target is still resolved as
  // the kernel does, below.
  std::string path = std::filesystem::absolute(given).lexically_normal().string();
  // The directories walked so far, from /: ".." goes back to the one before,
  // the parent we actually came through (and checked).
  std::vector<io::Fd> walked;
  std::vector<std::string> shown{"/"};
  walked.push_back(io::open("/", O_RDONLY | O_DIRECTORY));
  check_directory(walked.back().get(), "/");
  std::deque<std::string> todo = components_of(path);
  int symlinks = 0;
  while (!todo.empty()) {
    std::string name = todo.front();
    todo.pop_front();
    if (name == "..") {
      if (walked.size() > 1) walked.pop_back(), shown.pop_back();
      continue;
    }
    int parent = walked.back().get();
    std::string here = (std::filesystem::path(shown.back()) / name).string();
    constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
    int fd = io::openat_raw(parent, name.c_str(), kFlags);
    if (fd == -ENOENT) {
      io::mkdirat(parent, name, 0755, here);
      fd = io::openat_raw(parent, name.c_str(), kFlags);
    }
    if (fd == -ELOOP || fd == -ENOTDIR) {
      struct stat st {};
      if (!io::lstatat(parent, name, st, here) || !S_ISLNK(st.st_mode)) fail("{} is not a directory", here);
      if (!trusted_owner(st.st_uid))
        fail("{} is a symlink owned by uid {} (neither root nor us): that user could point it elsewhere", here,
             st.st_uid);
      if (++symlinks > kMaxSymlinks) throw_errno(path, ELOOP);
      std::vector<char> target(static_cast<size_t>(st.st_size) + 2);
      ssize_t n = ::readlinkat(parent, name.c_str(), target.data(), target.size() - 1);
      if (n < 0) throw_errno(here, errno);
      std::string link(target.data(), static_cast<size_t>(n));
      std::deque<std::string> more = components_of(link);
      todo.insert(todo.begin(), more.begin(), more.end());
      if (!link.empty() && link[0] == '/') walked.resize(1), shown.resize(1);
      continue;
    }
    if (fd < 0) throw_errno(here, -fd);
    walked.emplace_back(fd);
    shown.push_back(here);
    check_directory(fd, here);
  }
  return std::move(walked.back());
}

}  // namespace pybcast
