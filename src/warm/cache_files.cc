#include "warm/cache_files.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "util/error.h"
#include "util/io.h"

namespace pybcast {

namespace {

void walk(int dir_fd, const std::string& relative, const std::string& shown, CacheSnapshot& out) {
  for (const std::string& name : io::list_dir(dir_fd, shown)) {
    struct stat st {};
    std::string path = relative + "/" + name;
    // Gone since the listing: a cache's temporary file, renamed meanwhile.
    if (!io::lstatat(dir_fd, name, st, shown + "/" + name)) continue;
    if (S_ISREG(st.st_mode)) {
      out[path] = {path, static_cast<uint64_t>(st.st_size),
                   static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                   static_cast<uint64_t>(st.st_ino), (st.st_mode & S_IXUSR) != 0};
    } else if (S_ISDIR(st.st_mode)) {
      int fd = io::openat_raw(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd == -ENOENT) continue;
      if (fd < 0) throw_errno("cannot read the cache directory " + shown + "/" + name, -fd);
      io::Fd sub(fd);
      walk(sub.get(), path, shown + "/" + name, out);
    }
  }
}

}  // namespace

CacheSnapshot snapshot_caches(int caches_fd, const std::string& caches_path, const std::vector<std::string>& names) {
  CacheSnapshot out;
  for (const std::string& name : names) {
    int fd = io::openat_raw(caches_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -ENOENT) continue;
    if (fd < 0) throw_errno("cannot read the cache directory " + caches_path + "/" + name, -fd);
    io::Fd dir(fd);
    walk(dir.get(), name, caches_path + "/" + name, out);
  }
  return out;
}

std::vector<CacheFile> gained_files(const CacheSnapshot& before, const CacheSnapshot& after) {
  std::vector<CacheFile> out;
  for (const auto& [path, file] : after) {
    auto it = before.find(path);
    if (it == before.end() || it->second.size != file.size || it->second.mtime_ns != file.mtime_ns ||
        it->second.inode != file.inode)
      out.push_back(file);
  }
  return out;
}

std::string cache_of(const std::string& path) { return path.substr(0, path.find('/')); }

}  // namespace pybcast
