#include "stage/bytecode_mirror.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "archive/safe_path.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {

namespace {

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

}  // namespace

size_t link_bytecode_mirror(int entry_fd, const std::vector<std::string>& members, int mirror_fd,
                            const std::string& shown) {
  size_t linked = 0;
  OpenDir source, target;
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
    if (::linkat(source.fd.get(), name.c_str(), target.fd.get(), name.c_str(), 0) == 0) {
      ++linked;
    } else if (errno != EEXIST && errno != ENOENT) {
      throw_errno("cannot link bytecode " + member + " into " + shown, errno);
    }
  }
  return linked;
}

}  // namespace pybcast
