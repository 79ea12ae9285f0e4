#include "stage/bytecode_mirror.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "archive/safe_path.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {

namespace {

constexpr mode_t kSealedDirMode = 0555;

/// One open directory, reused while consecutive members share it (tar
/// members arrive grouped by directory): a few fds, whatever the tree's size.
struct OpenDir {
  std::vector<std::string> parts;
  io::Fd fd;
  int error = 0;
};

void open_cached(OpenDir& dir, int base_fd, const std::vector<std::string>& parts, bool create) {
  if (dir.parts == parts && (dir.fd.valid() || dir.error)) return;
  dir.parts = parts;
  int fd = io::open_dir_path_raw(base_fd, parts, create, 0700);
  dir.fd = io::Fd(fd < 0 ? -1 : fd);
  dir.error = fd < 0 ? -fd : 0;
}

/// Makes every directory of the mirror read-only, the top one last.
void seal(int mirror_fd, const std::set<std::vector<std::string>>& dirs, const std::string& shown) {
  for (const auto& parts : dirs) {
    int fd = io::open_dir_path_raw(mirror_fd, parts, false, 0);
    if (fd < 0) throw_errno("cannot seal " + shown, -fd);
    io::Fd dir(fd);
    if (::fchmod(dir.get(), kSealedDirMode) != 0) throw_errno("cannot seal " + shown, errno);
  }
  if (::fchmod(mirror_fd, kSealedDirMode) != 0) throw_errno("cannot seal " + shown, errno);
}

}  // namespace

size_t link_bytecode_mirror(int entry_fd, const std::vector<std::string>& members, int mirror_fd,
                            const std::string& shown) {
  size_t linked = 0;
  OpenDir source, target;
  std::set<std::vector<std::string>> made;  // every mirror directory, ancestors included
  for (const auto& member : members) {
    // Members are the extractor's own, already checked: splitting them cannot fail.
    PathParts parts = split_member_path(member);
    if (parts.size() < 2 || parts[parts.size() - 2] != "__pycache__") continue;
    std::string name = parts.back();
    parts.pop_back();
    open_cached(source, entry_fd, parts, false);
    struct stat st {};
    if (!source.fd.valid() || ::fstatat(source.fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode))
      continue;        // replaced by a later bundle
    parts.pop_back();  // no __pycache__ level in the mirror
    open_cached(target, mirror_fd, parts, true);
    if (!target.fd.valid()) throw_errno("cannot create " + shown + "/" + member, target.error);
    for (size_t depth = 1; depth <= parts.size(); ++depth) made.emplace(parts.begin(), parts.begin() + depth);
    if (::linkat(source.fd.get(), name.c_str(), target.fd.get(), name.c_str(), 0) == 0) {
      ++linked;
    } else if (errno != EEXIST && errno != ENOENT) {
      throw_errno("cannot link bytecode " + member + " into " + shown, errno);
    }
  }
  seal(mirror_fd, made, shown);
  return linked;
}

std::optional<std::string> check_mirror_identity(int mirror_fd, uint64_t inode) {
  if (mirror_fd < 0) return "has lost its bytecode mirror";
  struct stat st {};
  if (::fstat(mirror_fd, &st) != 0)
    return fmt::format("has a bytecode mirror we cannot stat ({})", std::strerror(errno));
  if (st.st_ino != inode) return "has a bytecode mirror that is not the one staged with it (replaced)";
  if (st.st_uid != geteuid()) return "has a bytecode mirror that is not ours";
  if ((st.st_mode & 0222) != 0) return "has a bytecode mirror that was made writable";
  return std::nullopt;
}

MirrorCheck check_mirror_links(int entry_fd, int mirror_fd, uint64_t linked, size_t max_listed) {
  MirrorCheck check;
  auto problem = [&](const std::string& path, const std::string& why) {
    if (check.problems.size() < max_listed) check.problems.push_back("bytecode mirror: " + path + ": " + why);
    ++check.problem_count;
  };
  // Breadth first, one directory open at a time whatever the depth.
  std::vector<std::vector<std::string>> pending{{}};
  while (!pending.empty()) {
    std::vector<std::string> parts = std::move(pending.back());
    pending.pop_back();
    std::string dir_path = join_parts(parts);
    int fd = io::open_dir_path_raw(mirror_fd, parts, false, 0);
    if (fd < 0) {
      problem(dir_path, fmt::format("cannot open ({})", std::strerror(-fd)));
      continue;
    }
    io::Fd dir(fd);
    int source_fd = -1;
    io::Fd source;
    std::vector<std::string> pycache = parts;
    pycache.push_back("__pycache__");
    if (int s = io::open_dir_path_raw(entry_fd, pycache, false, 0); s >= 0) source = io::Fd(s), source_fd = s;
    for (const auto& name : io::list_dir(dir.get(), dir_path)) {
      std::string path = dir_path.empty() ? name : dir_path + "/" + name;
      struct stat st {};
      if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
      if (S_ISDIR(st.st_mode)) {
        pending.push_back(parts);
        pending.back().push_back(name);
        continue;
      }
      ++check.files;
      struct stat want {};
      std::string entry_file = (dir_path.empty() ? "" : dir_path + "/") + "__pycache__/" + name;
      if (!S_ISREG(st.st_mode)) problem(path, "not a regular file");
      else if (source_fd < 0 || ::fstatat(source_fd, name.c_str(), &want, AT_SYMLINK_NOFOLLOW) != 0)
        problem(path, "the entry has no " + entry_file);
      else if (want.st_dev != st.st_dev || want.st_ino != st.st_ino)
        problem(path, "not the entry's " + entry_file + " (replaced)");
    }
  }
  if (check.files != linked)
    problem(".", fmt::format("holds {} files, {} were linked when the entry was staged", check.files, linked));
  return check;
}

}  // namespace pybcast
